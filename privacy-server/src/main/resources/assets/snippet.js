/* Plenary usage snippet: sends a page view to the collector only when the visitor allowed analytics
   cookies and Global Privacy Control is off. No dependencies; safe to embed on any page.
   <script src="https://privacy.example/snippet.js" data-endpoint="https://privacy.example/collect" defer></script> */
(function (w, d, n) {
  'use strict';
  if (w.plenary && w.plenary.track) { return; }
  var s = d.currentScript;
  var endpoint = (s && s.getAttribute('data-endpoint')) || '/collect';
  function cookie(name) {
    var m = d.cookie.match(new RegExp('(?:^|; )' + name + '=([^;]*)'));
    return m ? decodeURIComponent(m[1]) : null;
  }
  function allowed() {
    if (n.globalPrivacyControl === true || n.doNotTrack === '1') { return false; }
    var c = cookie('pl_consent');
    return !!c && /(^|\.)a1(\.|$)/.test(c);
  }
  /* the outcome of the latest page view, for integrators' checks and tests: data-plenary-tracked="sent" or "withheld" */
  function mark(outcome) {
    d.documentElement.setAttribute('data-plenary-tracked', outcome);
    return outcome === 'sent';
  }
  function track(kind) {
    if (!allowed()) { return mark('withheld'); }
    var body = JSON.stringify({
      type: kind || 'pageview',
      page: String(w.location.href).slice(0, 2048),
      referrer: d.referrer ? String(d.referrer).slice(0, 2048) : null,
      language: n.language || null,
      screen: { w: w.screen ? w.screen.width : 0, h: w.screen ? w.screen.height : 0 }
    });
    try {
      if (n.sendBeacon && n.sendBeacon(endpoint, body)) { return mark('sent'); }
    } catch (e) { /* fall through to fetch */ }
    try {
      w.fetch(endpoint, { method: 'POST', body: body, keepalive: true, credentials: 'include',
        headers: { 'Content-Type': 'text/plain;charset=UTF-8' } });
      return mark('sent');
    } catch (e2) { return mark('withheld'); }
  }
  w.plenary = { track: track, allowed: allowed };
  d.addEventListener('plenary:consent', function () { track('pageview'); });
  if (d.readyState === 'complete') { track('pageview'); } else { w.addEventListener('load', function () { track('pageview'); }); }
}(window, document, navigator));
