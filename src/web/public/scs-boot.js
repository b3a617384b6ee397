// Boots Open MCT with the SCS plugin. A file, not an inline script: the page's
// Content-Security-Policy allows no inline script.
(() => {
  const MINUTE = 60 * 1000;
  const HOUR = 60 * MINUTE;
  const openmct = window.openmct;
  openmct.setAssetPath('/display/openmct/');
  openmct.install(openmct.plugins.LocalStorage());
  openmct.install(openmct.plugins.MyItems());
  openmct.install(openmct.plugins.Espresso());
  openmct.install(openmct.plugins.UTCTimeSystem());
  openmct.install(openmct.plugins.LADTable());
  openmct.install(openmct.plugins.DisplayLayout());
  openmct.install(openmct.plugins.AutoflowView({ type: 'telemetry.panel' }));
  openmct.install(openmct.plugins.Filters(['table', 'telemetry.plot.overlay']));
  openmct.install(openmct.plugins.Clock({ enableClockIndicator: true }));
  openmct.install(
    openmct.plugins.Conductor({
      menuOptions: [
        {
          name: 'Realtime',
          timeSystem: 'utc',
          clock: 'local',
          clockOffsets: { start: -15 * MINUTE, end: 15 * 1000 },
        },
        {
          name: 'Fixed',
          timeSystem: 'utc',
          bounds: { start: Date.now() - HOUR, end: Date.now() },
        },
      ],
    }),
  );
  const wsScheme = window.location.protocol === 'https:' ? 'wss://' : 'ws://';
  openmct.install(
    window.SCSPlugin({
      dictionaryUrl: '/display/dictionary.json',
      historyUrl: '/history/',
      realtimeUrl: `${wsScheme}${window.location.host}/realtime?batch=1`,
      loginUrl: '/display/login',
      logoutUrl: '/display/logout',
    }),
  );
  document.addEventListener('DOMContentLoaded', () => openmct.start());
})();
