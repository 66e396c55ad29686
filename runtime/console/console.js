/*
 * console.js — the web console of `HOST serve` (plain JavaScript, no
 * library, no build step; embedded in libcairn by CMake).
 *
 * Safe by construction: the page is built with DOM calls only, and every
 * value that comes from the store or the user is set as text (el() below
 * turns strings into text nodes; SVG labels are textContent), never parsed
 * as HTML. The bearer token lives in the variable `token` only: never in a
 * cookie or in storage, so the browser never sends it by itself; every
 * request of the page carries it. Every action is a POST.
 *
 * Views (the URL's fragment, so each can be shared and bookmarked):
 *   #/executions?status=S&workflow=W&page=N  the table of executions
 *   #/executions/{id}                        one execution
 *   #/start/{workflow}                       the start form
 *   #/workflows/{name}                       a workflow's diagram
 */
'use strict';
(function () {
  const STATUSES = ['RUNNING', 'PENDING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'STOPPED'];
  const PAGE = 50;
  const REFRESH_MS = 2000;
  const CB = '/2025-12-01/durable-execution-callbacks/';
  const SVGNS = 'http://www.w3.org/2000/svg';

  let token = null; // the bearer token: in this page's memory only
  let view = null; // the view shown: {refresh()} or null
  let busy = false;
  const main = document.getElementById('main');
  const live = document.getElementById('live');
  const graphs = new Map(); // workflow name -> its GET /workflows/{name} (or null)

  /* ---- building the page: text only ---- */

  function el(tag, attrs, ...kids) {
    return fill(document.createElement(tag), attrs, kids);
  }

  function svg(tag, attrs, ...kids) {
    return fill(document.createElementNS(SVGNS, tag), attrs, kids);
  }

  function fill(e, attrs, kids) {
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k === 'className' ? 'class' : k, v === true ? '' : String(v));
    }
    for (const k of kids.flat(Infinity)) {
      if (k === null || k === undefined || k === false) continue;
      e.append(k instanceof Node ? k : String(k)); // a string is a text node
    }
    return e;
  }

  function link(hash, ...kids) {
    return el('a', { href: hash }, ...kids);
  }

  function execHash(id) {
    return '#/executions/' + encodeURIComponent(id);
  }

  function badge(status) {
    return el('span', { class: 'badge st-' + (STATUSES.concat(['STARTED', 'READY', 'CANCELLED']).includes(status) ? status : 'none') }, status || '—');
  }

  function time(t) {
    return t ? t.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '—';
  }

  function ms(t) {
    return t ? Date.parse(t) : NaN;
  }

  function dur(d) {
    if (!isFinite(d)) return '';
    if (d < 1000) return Math.round(d) + ' ms';
    if (d < 60000) return (d / 1000).toFixed(d < 10000 ? 2 : 1) + ' s';
    if (d < 3600000) return Math.floor(d / 60000) + ' m ' + Math.round((d % 60000) / 1000) + ' s';
    if (d < 86400000) return Math.floor(d / 3600000) + ' h ' + Math.round((d % 3600000) / 60000) + ' m';
    return Math.floor(d / 86400000) + ' d ' + Math.round((d % 86400000) / 3600000) + ' h';
  }

  function json(v) {
    return v === undefined ? '' : JSON.stringify(v, null, 2);
  }

  function short(v, n) {
    const s = v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
    return s.length > n ? s.slice(0, n - 1) + '…' : s;
  }

  /* A value in a <pre>, as text. */
  function pre(v, id) {
    return el('pre', { class: 'value', id: id }, typeof v === 'string' ? v : json(v));
  }

  /* ---- the API ---- */

  class HttpError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  async function api(method, path, body, raw) {
    const headers = {};
    if (token) headers.Authorization = 'Bearer ' + token;
    const init = { method, headers, cache: 'no-store', credentials: 'omit' };
    if (body !== undefined) {
      headers['Content-Type'] = raw ? 'application/octet-stream' : 'application/json';
      init.body = raw ? body : JSON.stringify(body);
    }
    const r = await fetch(path, init);
    const text = await r.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch (e) {
      data = null;
    }
    if (!r.ok) throw new HttpError(r.status, (data && data.Message) || 'HTTP ' + r.status);
    return data;
  }

  async function workflowInfo(name) {
    if (!graphs.has(name)) {
      try {
        graphs.set(name, await api('GET', '/workflows/' + encodeURIComponent(name)));
      } catch (e) {
        if (e.status === 403) throw e;
        graphs.set(name, null); // not linked into this host
      }
    }
    return graphs.get(name);
  }

  /* ---- views and refresh ---- */

  function show(...kids) {
    main.replaceChildren(...kids);
  }

  function failed(e) {
    if (e instanceof HttpError && e.status === 403) return login(token ? 'That token was refused.' : null);
    view = null;
    show(el('section', { class: 'card' }, el('h1', {}, 'Cannot show this'), el('p', { class: 'error', id: 'view-error' }, e.message)));
  }

  function login(message) {
    view = null;
    const input = el('input', { type: 'password', id: 'token', autocomplete: 'off', placeholder: 'bearer token', 'aria-label': 'bearer token' });
    const form = el('form', { id: 'login', class: 'row' }, input, el('button', { type: 'submit' }, 'Sign in'));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      token = input.value.trim() || null;
      route();
    });
    show(el('section', { class: 'card login' },
      el('h1', {}, 'Sign in'),
      el('p', {}, 'This server asks for a bearer token (the one in its --token-file). ',
        'The page keeps it in memory only and sends it with each of its requests; closing or reloading the page forgets it.'),
      form,
      message ? el('p', { class: 'error', id: 'login-error' }, message) : null));
    input.focus();
  }

  async function refresh() {
    if (!view || busy || document.hidden) return;
    busy = true;
    try {
      await view.refresh();
      live.textContent = 'live ' + new Date().toTimeString().slice(0, 8);
      live.className = 'live';
    } catch (e) {
      live.textContent = 'offline';
      live.className = 'live off';
      if (e instanceof HttpError && e.status === 403) login('The token was refused.');
    } finally {
      busy = false;
    }
  }

  function route() {
    const h = location.hash || '#/executions';
    const q = h.indexOf('?');
    const path = h.slice(1, q < 0 ? undefined : q);
    const params = new URLSearchParams(q < 0 ? '' : h.slice(q + 1));
    let parts;
    try {
      parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    } catch (e) {
      return failed(new Error('malformed address'));
    }
    view = null;
    const go = parts[0] === 'executions' && parts[1] ? executionView(parts[1])
      : parts[0] === 'start' ? startView(parts[1])
        : parts[0] === 'workflows' && parts[1] ? workflowView(parts[1])
          : listView(params);
    go.catch(failed);
  }

  /* ---- the executions ---- */

  async function listView(params) {
    const status = STATUSES.includes(params.get('status')) ? params.get('status') : '';
    const workflow = /^[a-z][a-z0-9_]{0,63}$/.test(params.get('workflow') || '') ? params.get('workflow') : '';
    const page = Math.max(1, parseInt(params.get('page') || '1', 10) || 1);
    const wfs = await api('GET', '/workflows');
    const query = new URLSearchParams({ offset: String((page - 1) * PAGE), limit: String(PAGE) });
    if (status) query.set('status', status);
    if (workflow) query.set('workflow', workflow);
    const url = '/executions?' + query;

    const go = (s, w, p) => {
      const u = new URLSearchParams();
      if (s) u.set('status', s);
      if (w) u.set('workflow', w);
      if (p > 1) u.set('page', String(p));
      location.hash = '#/executions' + (String(u) ? '?' + u : '');
    };
    const statusSel = el('select', { id: 'filter-status', 'aria-label': 'status' }, el('option', { value: '' }, 'any status'),
      STATUSES.map((s) => el('option', { value: s, selected: s === status }, s)));
    const names = wfs.map((w) => w.name);
    if (workflow && !names.includes(workflow)) names.push(workflow);
    const wfSel = el('select', { id: 'filter-workflow', 'aria-label': 'workflow' }, el('option', { value: '' }, 'any workflow'),
      names.map((n) => el('option', { value: n, selected: n === workflow }, n)));
    statusSel.addEventListener('change', () => go(statusSel.value, wfSel.value, 1));
    wfSel.addEventListener('change', () => go(statusSel.value, wfSel.value, 1));

    const body = el('div', { id: 'list' });
    let last = '';
    const draw = (d) => {
      const first = d.total ? d.offset + 1 : 0;
      const lastRow = d.offset + d.executions.length;
      const pages = Math.max(1, Math.ceil(d.total / PAGE));
      body.replaceChildren(
        d.executions.length === 0 ? el('p', { class: 'muted', id: 'empty' }, 'No executions' + (status || workflow ? ' match these filters.' : ' yet.'))
          : el('table', { class: 'grid', id: 'executions' },
            el('thead', {}, el('tr', {}, ['Status', 'Workflow', 'Version', 'Created', 'Ended', 'Name', 'Id'].map((h) => el('th', {}, h)))),
            el('tbody', {}, d.executions.map((x) => el('tr', { 'data-id': x.id },
              el('td', {}, badge(x.status), x.error_type ? el('span', { class: 'muted small' }, ' ', x.error_type) : null),
              el('td', {}, x.workflow),
              el('td', {}, x.version ? String(x.version) : '—'),
              el('td', {}, time(x.created_at)),
              el('td', {}, time(x.ended_at)),
              el('td', {}, x.name || ''),
              el('td', { class: 'mono' }, link(execHash(x.id), x.id)))))),
        el('div', { class: 'pager row' },
          el('span', { id: 'count' }, first + '–' + lastRow + ' of ' + d.total),
          el('button', { id: 'prev', disabled: page <= 1, onclick: () => go(status, workflow, page - 1) }, '← Newer'),
          el('span', {}, 'page ' + page + ' of ' + pages),
          el('button', { id: 'next', disabled: lastRow >= d.total, onclick: () => go(status, workflow, page + 1) }, 'Older →')));
    };
    const load = async () => {
      const d = await api('GET', url);
      const text = JSON.stringify(d);
      if (text !== last) {
        last = text;
        draw(d);
      }
    };
    await load();
    show(el('section', {},
      el('div', { class: 'row head' }, el('h1', {}, 'Executions'),
        el('span', { class: 'grow' }), statusSel, wfSel,
        link('#/start', el('span', { class: 'button' }, 'Start an execution…'))),
      body));
    view = { refresh: load };
  }

  /* ---- one execution ---- */

  async function executionView(id) {
    const base = '/executions/' + encodeURIComponent(id);
    const actions = el('section', { class: 'card', id: 'actions' });
    const data = el('div', { id: 'data' });
    let last = '', lastKey = null;
    const load = async () => {
      const [st, hist, events] = await Promise.all([api('GET', base), api('GET', base + '/history'), api('GET', base + '/events')]);
      const info = await workflowInfo(st.workflow);
      const text = JSON.stringify([st, hist, events]);
      if (text === last) return;
      last = text;
      const open = hist.operations.filter((o) => o.type === 'CALLBACK' && o.status === 'STARTED');
      const key = st.status + ' ' + open.map((o) => o.callback_id).join(' ');
      if (key !== lastKey) {
        lastKey = key;
        drawActions(actions, st, open, load);
      }
      for (const cb of open) { // what a heartbeat moves, without redrawing what is being typed
        const due = actions.querySelector('[data-callback="' + CSS.escape(cb.callback_id) + '"] .cb-due');
        if (due) due.textContent = cb.heartbeat_at ? ' · heartbeat due ' + time(cb.heartbeat_at) : '';
      }
      data.replaceChildren(...drawExecution(st, hist, events, info));
    };
    await load();
    const title = el('div', { class: 'row head' }, el('h1', {}, 'Execution'), el('span', { class: 'mono', id: 'exec-id' }, id));
    show(el('p', {}, link('#/executions', '← Executions')), title, actions, data);
    view = { refresh: load };
  }

  function drawExecution(st, hist, events, info) {
    const ops = hist.operations.filter((o) => o.type !== 'EXECUTION');
    const tree = treeOrder(ops);
    const out = [];
    out.push(el('section', { class: 'card' },
      el('dl', { class: 'facts', id: 'facts' },
        fact('Status', badge(st.status), 'status'),
        fact('Workflow', info ? link('#/workflows/' + encodeURIComponent(st.workflow), st.workflow) : st.workflow, 'workflow'),
        fact('Version', st.version ? String(st.version) : '—'),
        fact('Definition', el('span', { class: 'mono small' }, short(st.definition_sha256, 16)), null),
        fact('Name', st.name || '—', 'name'),
        fact('Created', time(st.created_at)),
        fact('Updated', time(st.updated_at)),
        fact('Ended', time(st.ended_at)),
        st.wake_at && !st.ended_at ? fact('Wakes', time(st.wake_at)) : null,
        st.timeout_at ? fact('Times out', time(st.timeout_at)) : null,
        st.parent ? fact('Started by', link(execHash(st.parent.id), st.parent.id)) : null,
        st.definition_held === false ? fact('Definition', 'not held by this host: it cannot run here') : null)));
    out.push(el('section', { class: 'card split' },
      el('div', {}, el('h2', {}, 'Input'), pre(st.input, 'input')),
      el('div', {}, st.error ? [el('h2', {}, 'Error'), pre(st.error, 'error')]
        : [el('h2', {}, 'Result'), st.result === null && !st.ended_at ? el('p', { class: 'muted' }, 'not yet') : pre(st.result, 'result')])));
    if (info && info.graph) out.push(el('section', { class: 'card' }, el('h2', {}, 'Diagram'), diagram(info.graph, st, ops)));
    out.push(el('section', { class: 'card' }, el('h2', {}, 'Journal'), journal(tree)));
    out.push(el('section', { class: 'card' }, el('h2', {}, 'Timeline'), timeline(st, tree, events)));
    out.push(el('section', { class: 'card' }, el('h2', {}, 'Events'), eventTable(st, events)));
    return out;
  }

  function fact(name, value, id) {
    return [el('dt', {}, name), el('dd', { id: id ? 'fact-' + id : null }, value)];
  }

  /* Operations in tree order (children after their parent), each with its depth. */
  function treeOrder(ops) {
    const ids = new Set(ops.map((o) => o.id));
    const kids = new Map();
    for (const o of ops) {
      const p = o.parent_id && ids.has(o.parent_id) ? o.parent_id : '';
      if (!kids.has(p)) kids.set(p, []);
      kids.get(p).push(o);
    }
    const out = [];
    const walk = (p, depth) => {
      for (const o of kids.get(p) || []) {
        out.push({ op: o, depth });
        walk(o.id, depth + 1);
      }
    };
    walk('', 0);
    return out;
  }

  function journal(tree) {
    if (!tree.length) return el('p', { class: 'muted' }, 'Nothing journaled yet.');
    return el('table', { class: 'grid', id: 'journal' },
      el('thead', {}, el('tr', {}, ['Operation', 'Type', 'Status', 'Attempt', 'Started', 'Took', 'Result or error'].map((h) => el('th', {}, h)))),
      el('tbody', {}, tree.map(({ op, depth }) => {
        const value = op.error ? op.error : op.result;
        const took = op.ended_at ? dur(ms(op.ended_at) - ms(op.started_at)) : '';
        return el('tr', { 'data-op': op.id, 'data-depth': depth },
          el('td', { class: 'tree d' + Math.min(depth, 8) }, depth ? '└ ' : '', op.name || op.id),
          el('td', {}, op.type + (op.sub_type && op.sub_type !== op.type ? ' · ' + op.sub_type : '')),
          el('td', {}, badge(op.status)),
          el('td', {}, op.attempt ? String(op.attempt) : ''),
          el('td', {}, time(op.started_at)),
          el('td', {}, took),
          el('td', { class: op.error ? 'value-cell err' : 'value-cell' },
            value === null || value === undefined ? (op.callback_id && op.status === 'STARTED' ? el('span', { class: 'muted' }, 'waiting: callback ', el('span', { class: 'mono' }, op.callback_id)) : '')
              : el('details', {}, el('summary', {}, short(value, 80)), pre(value))));
      })));
  }

  function eventTable(st, events) {
    if (!events.length) return el('p', { class: 'muted' }, 'No events.');
    const t0 = ms(st.created_at);
    return el('table', { class: 'grid', id: 'events' },
      el('thead', {}, el('tr', {}, ['#', 'At', 'Event', 'Operation', 'Attempt', 'Details'].map((h) => el('th', {}, h)))),
      el('tbody', {}, events.map((ev) => {
        const d = ev[ev.EventType + 'Details'] || {};
        const attempt = d.Attempt || (d.RetryDetails && d.RetryDetails.CurrentAttempt) || '';
        const parts = [];
        if (d.Error && d.Error.Payload) parts.push((d.Error.Payload.ErrorType || '') + ': ' + (d.Error.Payload.ErrorMessage || ''));
        if (d.Result && d.Result.Payload !== null && d.Result.Payload !== undefined) parts.push('result ' + short(d.Result.Payload, 60));
        if (d.Input && d.Input.Payload) parts.push('input ' + short(d.Input.Payload, 60));
        if (d.RetryDetails && d.RetryDetails.NextAttemptTimestamp) parts.push('next attempt ' + time(d.RetryDetails.NextAttemptTimestamp));
        if (d.CallbackId) parts.push('callback ' + d.CallbackId);
        if (d.ScheduledEndTimestamp) parts.push('until ' + time(d.ScheduledEndTimestamp));
        return el('tr', { class: /Failed|TimedOut|Stopped/.test(ev.EventType) ? 'bad' : null },
          el('td', {}, String(ev.EventId)),
          el('td', { title: ev.EventTimestamp }, '+' + dur(ms(ev.EventTimestamp) - t0)),
          el('td', {}, ev.EventType),
          el('td', {}, ev.Name || ev.Id || ''),
          el('td', {}, String(attempt)),
          el('td', { class: 'value-cell' }, parts.join(' · ')));
      })));
  }

  /* Bars per operation on one time axis: each attempt of a step, the waits
   * between attempts (dashed), waits and callbacks still open (striped). */
  function timeline(st, tree, events) {
    if (!tree.length) return el('p', { class: 'muted' }, 'Nothing yet.');
    const t0 = ms(st.created_at);
    const now = Date.now();
    let t1 = st.ended_at ? ms(st.ended_at) : now;
    for (const { op } of tree) t1 = Math.max(t1, ms(op.ended_at) || 0, ms(op.started_at) || 0);
    const span = Math.max(t1 - t0, 1);
    const W = 900, L = 170, R = 90, H = 20;
    const x = (t) => L + ((t - t0) / span) * (W - L - R);
    const byOp = new Map();
    for (const ev of events) {
      if (!byOp.has(ev.Id)) byOp.set(ev.Id, []);
      byOp.get(ev.Id).push(ev);
    }
    const rows = [];
    tree.forEach(({ op, depth }, i) => {
      const y = 24 + i * H;
      const evs = byOp.get(op.id) || [];
      // a retried step's row keeps its last attempt's start: its first event is earlier
      const start = Math.min(ms(op.started_at) || t0, ...evs.map((e) => ms(e.EventTimestamp)));
      const end = op.ended_at ? ms(op.ended_at) : st.ended_at ? ms(st.ended_at) : now;
      const g = svg('g', { class: 'tl-row st-' + op.status, 'data-op': op.id });
      g.append(svg('text', { x: 4 + depth * 10, y: y + 13, class: 'tl-name' }, short(op.name || op.id, 22)));
      const starts = evs.filter((e) => e.EventType === 'StepStarted');
      if (op.type === 'STEP' && starts.length > 1) {
        starts.forEach((s, k) => {
          const a = ms(s.EventTimestamp);
          const endEv = evs.find((e) => ms(e.EventTimestamp) >= a && /^Step(Succeeded|Failed)$/.test(e.EventType) && e !== s);
          const b = endEv ? ms(endEv.EventTimestamp) : end;
          g.append(svg('rect', { x: x(a), y: y + 3, width: Math.max(2, x(b) - x(a)), height: H - 8, class: 'tl-bar attempt' + (endEv && endEv.EventType === 'StepFailed' ? ' failed' : '') },
            svg('title', {}, 'attempt ' + (k + 1) + ': ' + dur(b - a))));
          const next = starts[k + 1];
          if (next) g.append(svg('line', { x1: x(b), x2: x(ms(next.EventTimestamp)), y1: y + H / 2, y2: y + H / 2, class: 'tl-retry' }));
        });
      } else {
        const open = !op.ended_at && !st.ended_at;
        g.append(svg('rect', { x: x(start), y: y + 3, width: Math.max(2, x(end) - x(start)), height: H - 8, class: 'tl-bar ' + op.type.toLowerCase() + (open ? ' open' : '') },
          svg('title', {}, (op.name || op.id) + ': ' + op.status + ', ' + dur(end - start))));
      }
      g.append(svg('text', { x: Math.min(x(end) + 4, W - R + 4), y: y + 13, class: 'tl-dur' }, dur(end - start) + (starts.length > 1 ? ' ×' + starts.length : '')));
      rows.push(g);
    });
    const height = 30 + tree.length * H;
    return svg('svg', { class: 'timeline', id: 'timeline', viewBox: '0 0 ' + W + ' ' + height, width: W, height },
      svg('line', { x1: L, x2: W - R, y1: 16, y2: 16, class: 'tl-axis' }),
      svg('text', { x: L, y: 12, class: 'tl-tick' }, '0'),
      svg('text', { x: W - R, y: 12, class: 'tl-tick', 'text-anchor': 'end' }, dur(span)),
      rows);
  }

  /* ---- actions ---- */

  function drawActions(box, st, open, reload) {
    const ended = ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'STOPPED'].includes(st.status);
    const flash = el('p', { class: 'flash', id: 'flash', role: 'status' });
    const say = (text, bad) => {
      flash.textContent = text;
      flash.className = bad ? 'flash error' : 'flash ok';
    };
    const act = async (what, method, path, body, raw) => {
      try {
        await api(method, path, body, raw);
        say(what + ': done.');
        setTimeout(refresh, 150);
      } catch (e) {
        say(what + ': ' + e.message, true);
      }
    };
    const kids = [el('h2', {}, 'Actions')];
    if (ended) kids.push(el('p', { class: 'muted' }, 'This execution has ended: nothing to answer or stop.'));
    for (const cb of open) kids.push(callbackCard(cb, act));
    if (!ended && !open.length) kids.push(el('p', { class: 'muted' }, 'No callback is waiting for an answer.'));
    if (!ended) kids.push(stopBox(st, act));
    kids.push(flash);
    box.replaceChildren(...kids);
  }

  function callbackCard(cb, act) {
    const path = CB + encodeURIComponent(cb.callback_id) + '/';
    // A callback read as JSON gets a JSON editor; one read as text (or by a hook) takes any text.
    const json = cb.result_mode === 'json';
    const what = json ? 'result (JSON)' : 'result (text)';
    const editor = el('textarea', { class: 'json-editor', rows: 4, spellcheck: 'false', 'aria-label': what });
    editor.value = json ? '{}' : '';
    const verdict = el('span', { class: 'verdict' });
    const succeed = el('button', { class: 'cb-succeed' }, 'Succeed');
    const check = () => {
      if (!json) {
        verdict.textContent = 'sent as text';
        verdict.className = 'verdict ok';
        return;
      }
      try {
        JSON.parse(editor.value);
        verdict.textContent = 'valid JSON';
        verdict.className = 'verdict ok';
        succeed.disabled = false;
      } catch (e) {
        verdict.textContent = 'not JSON: ' + e.message;
        verdict.className = 'verdict error';
        succeed.disabled = true;
      }
    };
    editor.addEventListener('input', check);
    check();
    succeed.addEventListener('click', () => act('succeed ' + cb.name, 'POST', path + 'succeed', editor.value, true));
    const type = el('input', { class: 'cb-type', placeholder: 'ErrorType', 'aria-label': 'error type' });
    const message = el('input', { class: 'cb-message', placeholder: 'ErrorMessage', 'aria-label': 'error message' });
    const fail = el('button', { class: 'cb-fail danger' }, 'Fail');
    fail.addEventListener('click', () => act('fail ' + cb.name, 'POST', path + 'fail',
      { ErrorType: type.value || undefined, ErrorMessage: message.value || undefined }));
    const beat = el('button', { class: 'cb-heartbeat' }, 'Heartbeat');
    beat.addEventListener('click', () => act('heartbeat ' + cb.name, 'POST', path + 'heartbeat', ''));
    return el('div', { class: 'callback', 'data-callback': cb.callback_id },
      el('h3', {}, 'Callback ', el('strong', {}, cb.name), ' ', el('span', { class: 'mono small' }, cb.callback_id)),
      el('p', { class: 'muted small' }, 'waiting since ' + time(cb.started_at),
        cb.timeout_at ? ' · times out ' + time(cb.timeout_at) : '',
        el('span', { class: 'cb-due' }, cb.heartbeat_at ? ' · heartbeat due ' + time(cb.heartbeat_at) : '')),
      el('div', { class: 'cb-grid' },
        el('div', {}, el('label', {}, json ? 'Result (JSON)' : 'Result (text)'), editor, el('div', { class: 'row' }, succeed, verdict)),
        el('div', {}, el('label', {}, 'Failure'), type, message, el('div', { class: 'row' }, fail, beat))));
  }

  function stopBox(st, act) {
    const box = el('div', { class: 'stop' });
    const ask = el('button', { id: 'stop', class: 'danger' }, 'Stop execution…');
    ask.addEventListener('click', () => {
      const type = el('input', { id: 'stop-type', placeholder: 'ErrorType (default Execution.Stopped)', 'aria-label': 'stop error type' });
      const message = el('input', { id: 'stop-message', placeholder: 'ErrorMessage', 'aria-label': 'stop error message' });
      const yes = el('button', { id: 'stop-confirm', class: 'danger' }, 'Stop it');
      const no = el('button', { id: 'stop-cancel' }, 'Cancel');
      yes.addEventListener('click', () => act('stop', 'POST', '/executions/' + encodeURIComponent(st.id) + '/stop',
        { ErrorType: type.value || undefined, ErrorMessage: message.value || undefined }));
      no.addEventListener('click', () => box.replaceChildren(ask));
      box.replaceChildren(el('div', { class: 'confirm', id: 'stop-box' },
        el('p', {}, 'Stop this execution? Nothing more of it runs and its open callbacks are closed. This cannot be undone.'),
        el('div', { class: 'row' }, type, message), el('div', { class: 'row' }, yes, no)));
    });
    box.append(ask);
    return box;
  }

  /* ---- starting an execution ---- */

  async function startView(name) {
    const wfs = await api('GET', '/workflows');
    const pick = el('select', { id: 'start-workflow', 'aria-label': 'workflow' }, el('option', { value: '' }, 'choose a workflow'),
      wfs.map((w) => el('option', { value: w.name, selected: w.name === name }, w.name + (w.version ? ' (version ' + w.version + ')' : ''))));
    pick.addEventListener('change', () => { location.hash = '#/start/' + encodeURIComponent(pick.value); });
    const wf = wfs.find((w) => w.name === name);
    const kids = [el('h1', {}, 'Start an execution'), el('div', { class: 'row' }, pick)];
    if (wf) {
      const input = el('textarea', { id: 'start-input', class: 'json-editor', rows: 8, spellcheck: 'false', 'aria-label': 'input (JSON)' });
      input.value = '{}';
      const key = el('input', { id: 'start-name', placeholder: 'name (optional idempotency key)', 'aria-label': 'name' });
      const verdict = el('p', { class: 'verdict', id: 'start-verdict' });
      const go = el('button', { id: 'start-go', disabled: true }, 'Start');
      let seq = 0;
      const check = async () => {
        const mine = ++seq;
        go.disabled = true;
        try {
          JSON.parse(input.value);
        } catch (e) {
          verdict.textContent = 'not JSON: ' + e.message;
          verdict.className = 'verdict error';
          return;
        }
        try {
          await api('POST', '/workflows/' + encodeURIComponent(wf.name) + '/check', input.value, true);
          if (mine !== seq) return;
          verdict.textContent = wf.input_schema ? 'the input schema accepts it' : 'valid JSON (the workflow has no input schema)';
          verdict.className = 'verdict ok';
          go.disabled = false;
        } catch (e) {
          if (mine !== seq) return;
          verdict.textContent = e.message;
          verdict.className = 'verdict error';
        }
      };
      input.addEventListener('input', check);
      go.addEventListener('click', async () => {
        try {
          const body = { workflow: wf.name, input: JSON.parse(input.value) };
          if (key.value) body.name = key.value;
          const r = await api('POST', '/executions', body);
          location.hash = execHash(r.id);
        } catch (e) {
          verdict.textContent = e.message;
          verdict.className = 'verdict error';
        }
      });
      kids.push(el('div', { class: 'split' },
        el('div', {}, el('label', {}, 'Input (JSON)'), input, key, el('div', { class: 'row' }, go), verdict),
        el('div', {}, el('h2', {}, 'Input schema'), wf.input_schema ? pre(wf.input_schema, 'start-schema') : el('p', { class: 'muted' }, 'none: any JSON'))));
      check();
    } else if (name) {
      kids.push(el('p', { class: 'error' }, 'This host has no workflow of that name.'));
    }
    show(el('section', { class: 'card' }, kids));
  }

  /* ---- a workflow's diagram ---- */

  async function workflowView(name) {
    const info = await workflowInfo(name);
    if (!info) throw new Error('This host has no workflow named ' + name + '.');
    show(el('section', { class: 'card' },
      el('div', { class: 'row head' }, el('h1', {}, 'Workflow ', info.name),
        el('span', { class: 'grow' }),
        link('#/executions?workflow=' + encodeURIComponent(info.name), 'its executions'), ' ',
        link('#/start/' + encodeURIComponent(info.name), el('span', { class: 'button' }, 'Start…'))),
      el('p', { class: 'muted small mono' }, 'sha256 ' + info.definition_sha256),
      info.graph ? diagram(info.graph, null, []) : el('p', { class: 'muted' }, 'No diagram: this workflow was not generated by cairn gen.'),
      info.input_schema ? [el('h2', {}, 'Input schema'), pre(info.input_schema)] : null));
  }

  /*
   * The diagram from `cairn graph --format json`: nodes in rows by the
   * longest forward path from the start (a back edge, as a goto loop makes,
   * does not count), in their order within a row; fan-outs as boxes around
   * their nodes. With an execution, each node has the status of the latest
   * operation of its name.
   */
  function diagram(g, st, ops) {
    const index = new Map(g.nodes.map((n, i) => [n.id, i]));
    const status = new Map();
    for (const o of ops) status.set(o.name, o.status);
    const size = g.nodes.map((n) => {
      if (n.shape === 'start') return [18, 18];
      if (n.shape === 'fork' || n.shape === 'join') return [110, 6];
      const lines = (n.label || n.id).split('\n');
      return [Math.min(240, Math.max(90, 16 + 6.6 * Math.max(...lines.map((l) => l.length)))), 10 + 15 * lines.length];
    });
    const rank = g.nodes.map(() => -1);
    const forward = g.edges.filter((e) => index.get(e.from) < index.get(e.to));
    g.nodes.forEach((n, i) => {
      if (rank[i] < 0) rank[i] = i ? rank[i - 1] + 1 : 0;
      for (const e of forward) if (index.get(e.from) === i) rank[index.get(e.to)] = Math.max(rank[index.get(e.to)], rank[i] + 1);
    });
    const rows = [];
    g.nodes.forEach((n, i) => (rows[rank[i]] = rows[rank[i]] || []).push(i));
    const pos = [];
    const GAP = 60, ROW = 50;
    let y = 20, width = 0;
    const rowsUsed = rows.filter(Boolean);
    for (const row of rowsUsed) width = Math.max(width, row.reduce((w, i) => w + size[i][0], 0) + GAP * (row.length - 1));
    width += 60;
    for (const row of rowsUsed) {
      const w = row.reduce((s, i) => s + size[i][0], 0) + GAP * (row.length - 1);
      let x = (width - w) / 2;
      const h = Math.max(...row.map((i) => size[i][1]));
      for (const i of row) {
        pos[i] = { x, y: y + (h - size[i][1]) / 2, w: size[i][0], h: size[i][1] };
        x += size[i][0] + GAP;
      }
      y += h + ROW;
    }
    const height = y - ROW + 30;
    const back = 150;
    const root = svg('svg', { class: 'diagram', id: 'diagram', viewBox: '0 0 ' + (width + back) + ' ' + height, width: width + back, height });
    root.append(svg('defs', {}, ['flow', 'catch', 'retry'].map((k) => svg('marker', { id: 'arrow-' + k, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
      svg('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrow-' + k })))));
    // fan-out boxes, outermost first
    const depthOf = (gid) => { let d = 0; for (let p = g.groups.find((x) => x.id === gid); p && p.parent; p = g.groups.find((x) => x.id === p.parent)) d++; return d; };
    const inside = (n, gid) => { for (let cur = n.group; cur; cur = (g.groups.find((x) => x.id === cur) || {}).parent) if (cur === gid) return true; return false; };
    for (const grp of g.groups.slice().sort((a, b) => depthOf(a.id) - depthOf(b.id))) {
      const members = g.nodes.map((n, i) => (inside(n, grp.id) ? pos[i] : null)).filter(Boolean);
      if (!members.length) continue;
      const pad = 14 - 4 * Math.min(depthOf(grp.id), 2);
      const x0 = Math.min(...members.map((p) => p.x)) - pad, x1 = Math.max(...members.map((p) => p.x + p.w)) + pad;
      const y0 = Math.min(...members.map((p) => p.y)) - pad - 12, y1 = Math.max(...members.map((p) => p.y + p.h)) + pad;
      root.append(svg('g', { class: 'group', 'data-group': grp.id },
        svg('rect', { x: x0, y: y0, width: x1 - x0, height: y1 - y0, rx: 8 }),
        svg('text', { x: x0 + 6, y: y0 + 11 }, short(grp.title, 60))));
    }
    let k = 0;
    for (const e of g.edges) {
      const a = pos[index.get(e.from)], b = pos[index.get(e.to)];
      if (!a || !b) continue;
      let d, lx, ly, anchor = 'middle';
      if (e.from === e.to) {
        const sx = a.x + a.w, sy = a.y + a.h / 2;
        d = `M${sx},${sy - 5} C${sx + 40},${sy - 25} ${sx + 40},${sy + 25} ${sx},${sy + 5}`;
        lx = sx + 34; ly = sy + 4; anchor = 'start';
      } else if (index.get(e.from) < index.get(e.to)) {
        const sx = a.x + a.w / 2, sy = a.y + a.h, tx = b.x + b.w / 2, ty = b.y;
        d = `M${sx},${sy} C${sx},${sy + 30} ${tx},${ty - 30} ${tx},${ty}`;
        lx = (sx + tx) / 2; ly = (sy + ty) / 2;
      } else {
        const sx = a.x + a.w, sy = a.y + a.h / 2, tx = b.x + b.w, ty = b.y + b.h / 2;
        const out = width + 20 + 14 * (k++ % 8);
        d = `M${sx},${sy} C${out},${sy} ${out},${ty} ${tx},${ty}`;
        lx = out - 10; ly = (sy + ty) / 2;
      }
      const kind = e.style === 'flow' ? 'flow' : e.style === 'retry' ? 'retry' : 'catch';
      root.append(svg('path', { d, class: 'edge ' + e.style, 'marker-end': 'url(#arrow-' + kind + ')' }));
      if (e.label) root.append(svg('text', { x: lx, y: ly, class: 'edge-label', 'text-anchor': anchor }, short(e.label, anchor === 'start' ? 24 : 40)));
    }
    const ended = st && st.ended_at;
    g.nodes.forEach((n, i) => {
      const p = pos[i];
      let s = n.name ? status.get(n.name) : null;
      if (st && n.shape === 'start') s = 'SUCCEEDED';
      if (st && n.shape === 'succeeded' && st.status === 'SUCCEEDED') s = 'SUCCEEDED';
      if (st && n.shape === 'failed' && ended && st.status !== 'SUCCEEDED') s = st.status;
      const node = svg('g', { class: 'node shape-' + n.shape + (s ? ' st-' + s : st ? ' st-none' : ''), 'data-node': n.id, 'data-name': n.name || null });
      if (n.shape === 'start') node.append(svg('circle', { cx: p.x + 9, cy: p.y + 9, r: 8 }));
      else if (n.shape === 'fork' || n.shape === 'join') node.append(svg('rect', { x: p.x, y: p.y, width: p.w, height: p.h, class: 'bar' }));
      else {
        const rx = n.shape === 'succeed' || n.shape === 'fail' || n.shape === 'succeeded' || n.shape === 'failed' ? 16 : n.shape === 'choice' ? 2 : 5;
        node.append(svg('rect', { x: p.x, y: p.y, width: p.w, height: p.h, rx }));
        (n.label || n.id).split('\n').forEach((line, j) => node.append(svg('text', { x: p.x + p.w / 2, y: p.y + 17 + 15 * j, 'text-anchor': 'middle', class: j === 1 ? 'name' : j ? 'detail' : 'kind' }, short(line, 34))));
      }
      if (s) node.append(svg('title', {}, (n.name || n.id) + ': ' + s));
      root.append(node);
    });
    return el('div', { class: 'diagram-box' }, root,
      st ? el('p', { class: 'legend small' }, ['SUCCEEDED', 'STARTED', 'PENDING', 'FAILED', 'CANCELLED'].map((s) => [badge(s), ' ']), el('span', { class: 'badge st-none' }, 'not reached')) : null);
  }

  window.addEventListener('hashchange', route);
  setInterval(refresh, REFRESH_MS);
  route();
})();
