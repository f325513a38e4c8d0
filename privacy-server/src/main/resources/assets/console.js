/* The admin console's charts: each .chart element names a JSON block (data-chart) with the days (x, epoch
   seconds), the series' names and their counts; uPlot draws them. The same figures are in the table under
   each chart, for everyone a canvas does not reach. No inline script, no style attribute: CSP holds. */
(function () {
  'use strict';
  var colours = ['#0b5cad', '#a4262c', '#1e6b3a', '#7a4a00', '#5b2a86', '#00657a', '#5b6474'];
  function draw(el) {
    var block = document.getElementById(el.getAttribute('data-chart'));
    if (!block || typeof uPlot === 'undefined') { return; }
    var d = JSON.parse(block.textContent);
    var width = Math.max(240, el.clientWidth || 320);
    var bars = d.kind === 'bars' && uPlot.paths && uPlot.paths.bars ? uPlot.paths.bars({size: [0.6, 40]}) : null;
    var series = [{}];
    d.names.forEach(function (name, i) {
      var s = {label: name, stroke: colours[i % colours.length], width: 2};
      if (bars) { s.paths = bars; s.fill = colours[i % colours.length]; }
      series.push(s);
    });
    if (d.names.length === 0) {
      series.push({label: '—', stroke: colours[6]});
      d.series = [d.x.map(function () { return 0; })];
    }
    var opts = {width: width, height: 220, series: series, scales: {x: {time: true}, y: {range: function (u, min, max) { return [0, Math.max(1, max)]; }}},
      axes: [{}, {}], legend: {show: true}};
    el.innerHTML = '';
    new uPlot(opts, [d.x].concat(d.series), el);
  }
  function all() {
    var charts = document.querySelectorAll('.chart[data-chart]');
    for (var i = 0; i < charts.length; i++) { draw(charts[i]); }
  }
  var timer = null;
  window.addEventListener('resize', function () { clearTimeout(timer); timer = setTimeout(all, 200); });
  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', all); } else { all(); }
})();
