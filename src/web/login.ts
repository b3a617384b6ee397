// The display's login form, rendered on the server so a failed attempt can say why without
// any script on the page.
const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** The form; `csrf` is the token of src/web/csrf.ts, sent back with the credentials. */
export function loginPage(mission: string, csrf: string, message?: string): string {
  const notice = message === undefined ? '' : `<p class="error" role="alert">${escapeHtml(message)}</p>`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(mission)} · SCS display login</title>
<link rel="stylesheet" href="/display/login.css">
<link rel="icon" type="image/png" href="/display/openmct/favicons/favicon-32x32.png" sizes="32x32">
</head>
<body>
<form method="post" action="/display/login">
<input type="hidden" name="csrf" value="${escapeHtml(csrf)}">
<h1>${escapeHtml(mission)}</h1>
<p>Sign in with your agency's SCS token.</p>
${notice}
<label>Agency <input name="agency" autocomplete="username" required maxlength="32"></label>
<label>Token <input name="token" type="password" autocomplete="current-password" required maxlength="512"></label>
<button type="submit">Open display</button>
</form>
</body>
</html>
`;
}
