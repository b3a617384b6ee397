// The SCS plugin for Open MCT: a root object for the mission, a folder per subsystem, a
// telemetry point per parameter of the server's dictionary (units, formats, enumerations,
// limits), a historical provider (/history), a realtime provider (WebSocket /realtime, the
// openmct-tutorial protocol) and a limit evaluator from the dictionary's limits.
(() => {
  const TREE = 'scs.tree';
  const PARAM = 'scs';
  const TYPE = 'scs.telemetry';
  const ROOT_KEY = 'mission';
  const FOLDER_PREFIX = 'folder.';
  const RETRY_MS = [500, 1000, 2000, 5000, 10000];

  const LIMIT_CLASSES = {
    CRITICAL: { high: 'is-limit--upr is-limit--red', low: 'is-limit--lwr is-limit--red', name: 'Alarm' },
    WARNING: { high: 'is-limit--upr is-limit--yellow', low: 'is-limit--lwr is-limit--yellow', name: 'Warning' },
  };

  function SCSPlugin(options) {
    return function install(openmct) {
      const toLogin = () => {
        window.location.assign(options.loginUrl);
      };
      const getJson = (url) =>
        fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' } }).then((r) => {
          if (r.status === 401) toLogin();
          if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
          return r.json();
        });

      const dictionary = getJson(options.dictionaryUrl).then((d) => ({
        mission: d.mission,
        agency: d.agency,
        login: d.login,
        folders: new Map(d.folders.map((f) => [f.key, f])),
        parameters: new Map(d.parameters.map((p) => [p.key, p])),
        folderOf: new Map(d.folders.flatMap((f) => f.parameters.map((n) => [n, f.key]))),
      }));

      // Who is logged in, and the way out.
      dictionary.then((d) => {
        const element = document.createElement('div');
        element.className = 'c-indicator icon-person s-status-on';
        const label = document.createElement('span');
        label.className = 'label c-indicator__label';
        label.textContent = `Agency ${d.agency} `;
        element.append(label);
        openmct.indicators.add({ key: 'scs-agency', element });
        if (!d.login) return;
        const logout = document.createElement('button');
        logout.className = 'c-button';
        logout.textContent = 'Log out';
        logout.addEventListener('click', () => {
          fetch(options.logoutUrl, { method: 'POST', credentials: 'same-origin' }).finally(toLogin);
        });
        label.append(logout);
      });

      openmct.types.addType(TYPE, {
        name: 'SCS parameter',
        description: 'A telemetry parameter distributed by SCS',
        cssClass: 'icon-telemetry',
      });

      openmct.objects.addRoot({ namespace: TREE, key: ROOT_KEY });
      openmct.objects.addProvider(TREE, {
        get: (identifier) =>
          dictionary.then((d) => {
            if (identifier.key === ROOT_KEY) {
              return { identifier, name: d.mission, type: 'folder', location: 'ROOT' };
            }
            const folder = d.folders.get(identifier.key.slice(FOLDER_PREFIX.length));
            return {
              identifier,
              name: folder ? folder.name : identifier.key,
              type: 'folder',
              location: `${TREE}:${ROOT_KEY}`,
            };
          }),
      });
      openmct.objects.addProvider(PARAM, {
        get: (identifier) =>
          dictionary.then((d) => {
            const p = d.parameters.get(identifier.key);
            if (p === undefined) return undefined;
            return {
              identifier,
              name: p.name,
              type: TYPE,
              notes: p.description,
              telemetry: { values: p.values },
              location: `${TREE}:${FOLDER_PREFIX}${d.folderOf.get(p.key)}`,
            };
          }),
      });
      openmct.composition.addProvider({
        appliesTo: (domainObject) => domainObject.identifier.namespace === TREE,
        load: (domainObject) =>
          dictionary.then((d) => {
            if (domainObject.identifier.key === ROOT_KEY) {
              return [...d.folders.keys()].map((key) => ({ namespace: TREE, key: FOLDER_PREFIX + key }));
            }
            const folder = d.folders.get(domainObject.identifier.key.slice(FOLDER_PREFIX.length));
            return folder ? folder.parameters.map((key) => ({ namespace: PARAM, key })) : [];
          }),
      });

      // History: a time range from the archive (a plot asks it min/max per pixel column, so a
      // long range comes back downsampled over its whole length), or the latest value.
      openmct.telemetry.addProvider({
        supportsRequest: (domainObject) => domainObject.type === TYPE,
        request: (domainObject, opts) => {
          const id = encodeURIComponent(domainObject.identifier.key);
          let query = `start=${Math.max(0, Math.floor(opts.start))}&end=${Math.ceil(opts.end)}`;
          // The newest value up to the window's end: a window in the past shows its own.
          if (opts.strategy === 'latest') query = `strategy=latest&end=${Math.ceil(opts.end)}`;
          else if (opts.strategy === 'minmax') {
            query += `&strategy=minmax&size=${Math.max(1, Math.round(opts.size || 1000))}`;
          }
          return getJson(`${options.historyUrl}${id}?${query}`);
        },
      });

      // Realtime: one WebSocket for every subscription, resubscribed after a reconnect.
      const listeners = new Map();
      let socket = null;
      let attempt = 0;
      const send = (text) => {
        if (socket !== null && socket.readyState === WebSocket.OPEN) socket.send(text);
      };
      const connect = () => {
        socket = new WebSocket(options.realtimeUrl);
        socket.onopen = () => {
          attempt = 0;
          for (const id of listeners.keys()) send(`subscribe ${id}`);
        };
        socket.onmessage = (event) => {
          const data = JSON.parse(event.data);
          for (const point of Array.isArray(data) ? data : [data]) {
            if (point.error !== undefined) {
              console.warn(`SCS realtime: ${point.error} ${point.id}: ${point.reason}`);
              continue;
            }
            const set = listeners.get(point.id);
            if (set !== undefined) for (const callback of set) callback(point);
          }
        };
        socket.onclose = () => {
          socket = null;
          const delay = RETRY_MS[Math.min(attempt++, RETRY_MS.length - 1)];
          setTimeout(connect, delay);
        };
      };
      connect();

      openmct.telemetry.addProvider({
        supportsSubscribe: (domainObject) => domainObject.type === TYPE,
        subscribe: (domainObject, callback) => {
          const id = domainObject.identifier.key;
          let set = listeners.get(id);
          if (set === undefined) {
            set = new Set();
            listeners.set(id, set);
            send(`subscribe ${id}`);
          }
          set.add(callback);
          return () => {
            set.delete(callback);
            if (set.size === 0 && listeners.get(id) === set) {
              listeners.delete(id);
              send(`unsubscribe ${id}`);
            }
          };
        },
      });

      // Limits: plots draw the dictionary's limit lines; a value is coloured by the server's own
      // verdict (the mission database's, context-dependent limits and state alarms included),
      // and by the dictionary's bounds only when the server did not check it.
      const limitsOf = (domainObject) =>
        dictionary.then((d) => {
          const p = d.parameters.get(domainObject.identifier.key);
          return p === undefined ? undefined : p.limits;
        });
      const verdict = (level, side) => ({
        cssClass: LIMIT_CLASSES[level][side],
        name: `${LIMIT_CLASSES[level].name} ${side}`,
      });
      const SERVER_VERDICTS = {
        ALARM_HIGH: verdict('CRITICAL', 'high'),
        ALARM_LOW: verdict('CRITICAL', 'low'),
        WARN_HIGH: verdict('WARNING', 'high'),
        WARN_LOW: verdict('WARNING', 'low'),
        STATE_ALARM: { cssClass: LIMIT_CLASSES.CRITICAL.high, name: 'State alarm' },
      };
      openmct.telemetry.addProvider({
        supportsLimits: (domainObject) => domainObject.type === TYPE,
        getLimits: (domainObject) => ({ limits: () => limitsOf(domainObject) }),
        getLimitEvaluator: (domainObject) => {
          let sets;
          limitsOf(domainObject).then((l) => {
            sets = l;
          });
          return {
            evaluate: (datum, valueMetadata) => {
              if (valueMetadata !== undefined && valueMetadata.key !== 'value') return undefined;
              if (datum.limit === 'OK') return undefined;
              if (Object.hasOwn(SERVER_VERDICTS, datum.limit)) return SERVER_VERDICTS[datum.limit];
              const v = datum.value;
              if (sets === undefined || typeof v !== 'number') return undefined;
              for (const level of ['CRITICAL', 'WARNING']) {
                const set = sets[level];
                if (set === undefined) continue;
                if (set.high !== undefined && v > set.high.value) {
                  return verdict(level, 'high');
                }
                if (set.low !== undefined && v < set.low.value) {
                  return verdict(level, 'low');
                }
              }
              return undefined;
            },
          };
        },
      });
    };
  }

  window.SCSPlugin = SCSPlugin;
})();
