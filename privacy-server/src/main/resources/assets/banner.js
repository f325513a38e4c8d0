/* Plenary cookie banner (C20): accept all, refuse all, or choose per class; lists every cookie with its
   owner, purpose and lifetime. No dependencies. Shown until a choice is stored in pl_consent. */
(function (w, d, n) {
  'use strict';
  function cookie(name) {
    var m = d.cookie.match(new RegExp('(?:^|; )' + name + '=([^;]*)'));
    return m ? decodeURIComponent(m[1]) : null;
  }
  function el(tag, attrs, text) {
    var e = d.createElement(tag);
    for (var k in attrs) { if (Object.prototype.hasOwnProperty.call(attrs, k)) { e.setAttribute(k, attrs[k]); } }
    if (text) { e.textContent = text; }
    return e;
  }
  function choose(preferences, analytics, box) {
    w.fetch('/privacy/cookie-choices', { method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ preferences: preferences, analytics: analytics }) })
      .then(function (r) {
        if (!r.ok) { return; }
        if (box && box.parentNode) { box.parentNode.removeChild(box); }
        d.dispatchEvent(new CustomEvent('plenary:consent', { detail: { preferences: preferences, analytics: analytics } }));
      });
  }
  function show(list) {
    var gpc = n.globalPrivacyControl === true;
    var box = el('div', { id: 'plenary-banner', role: 'dialog', 'aria-label': 'Cookie choices' });
    box.appendChild(el('p', {}, 'We use essential cookies to run this site. With your permission we also remember your '
      + 'preferences and count visits to improve our services.' + (gpc ? ' Your browser asks for Global Privacy Control, so analytics stay off.' : '')));
    var details = el('details', {});
    details.appendChild(el('summary', {}, 'Every cookie we or our partners set'));
    var table = el('table', {});
    var head = el('tr', {});
    ['Cookie', 'Class', 'Set by', 'Purpose', 'Lifetime'].forEach(function (h) { head.appendChild(el('th', {}, h)); });
    table.appendChild(head);
    (list.cookies || []).forEach(function (c) {
      var row = el('tr', {});
      [c.name, c['class'], c.owner, c.purpose, c.lifetime].forEach(function (v) { row.appendChild(el('td', {}, String(v))); });
      table.appendChild(row);
    });
    details.appendChild(table);
    box.appendChild(details);
    var accept = el('button', { type: 'button', id: 'plenary-accept' }, 'Accept all');
    var refuse = el('button', { type: 'button', id: 'plenary-refuse' }, 'Refuse all');
    var more = el('a', { href: '/privacy/cookies', id: 'plenary-choose' }, 'Choose per class');
    accept.addEventListener('click', function () { choose(true, !gpc, box); });
    refuse.addEventListener('click', function () { choose(false, false, box); });
    box.appendChild(accept);
    box.appendChild(refuse);
    box.appendChild(more);
    d.body.appendChild(box);
  }
  function start() {
    if (cookie('pl_consent')) { return; }
    w.fetch('/api/v1/cookies', { credentials: 'same-origin' }).then(function (r) { return r.json(); }).then(show)
      .catch(function () { show({ cookies: [] }); });
  }
  if (d.readyState === 'loading') { d.addEventListener('DOMContentLoaded', start); } else { start(); }
}(window, document, navigator));
