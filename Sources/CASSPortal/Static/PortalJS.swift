extension PortalAssets {
    /// `/static/portal.js`: progressive enhancement only. Every page and
    /// form works without it. It does two things:
    ///
    /// 1. Live regions. A page whose `<body>` has `data-events` (the SSE
    ///    URL) and elements with `data-live="prefix. prefix."` subscribes to
    ///    `/api/v1/events`; when an event whose name starts with one of those
    ///    prefixes arrives, it re-fetches the page itself (same URL, same
    ///    cookie) at most every 2 s and swaps each `data-live` element by
    ///    id, skipping one that holds the keyboard focus. If the stream
    ///    cannot be opened (closed by the server), it polls every 15 s while
    ///    the page is visible. The server needs nothing beyond the page and
    ///    the event stream.
    /// 2. Upload with progress. A `form[data-upload]` is sent by
    ///    XMLHttpRequest (the same multipart body, to the same action or the
    ///    clicked button's `formaction`), showing a progress bar; the
    ///    answer (after redirects) replaces the page, exactly what the
    ///    browser would have shown.
    static let js = #"""
(function () {
  'use strict';
  var EVENT_NAMES = ['file.received', 'file.accepted', 'file.rejected', 'file.withdrawn', 'period.closed',
    'invoice.issued', 'invoice.overdue', 'payment.recorded', 'risk.flagged', 'dispute.raised', 'dispute.opened',
    'dispute.accepted', 'dispute.rejected', 'dispute.withdrawn', 'dispute.escalated', 'dispute.answered'];
  var MIN_INTERVAL_MS = 2000, POLL_MS = 15000;
  var source = null, timer = null, busy = false, again = false, lastRun = 0, polling = null;

  function regions() { return Array.prototype.slice.call(document.querySelectorAll('[data-live][id]')); }

  function wanted(name) {
    if (!name) { return true; }
    return regions().some(function (region) {
      return (region.getAttribute('data-live') || '').split(/\s+/).some(function (prefix) {
        return prefix && name.indexOf(prefix) === 0;
      });
    });
  }

  function schedule() {
    if (timer) { return; }
    var wait = Math.max(250, MIN_INTERVAL_MS - (Date.now() - lastRun));
    timer = window.setTimeout(refresh, wait);
  }

  function refresh() {
    timer = null;
    if (busy) { again = true; return; }
    busy = true;
    lastRun = Date.now();
    window.fetch(window.location.href, { credentials: 'same-origin', cache: 'no-store', headers: { 'Accept': 'text/html' } })
      .then(function (response) {
        if (!response.ok) { throw new Error('HTTP ' + response.status); }
        return response.text();
      })
      .then(function (html) { swap(new window.DOMParser().parseFromString(html, 'text/html')); })
      .catch(function () { /* the next event or poll tries again */ })
      .then(function () {
        busy = false;
        if (again) { again = false; schedule(); }
      });
  }

  function swap(fresh) {
    var changed = false, deferred = false;
    regions().forEach(function (region) {
      var replacement = fresh.getElementById(region.id);
      if (!replacement) { return; }
      var active = document.activeElement;
      if (active && active !== document.body && region.contains(active)) { deferred = true; return; }
      if (replacement.innerHTML !== region.innerHTML) {
        region.replaceWith(document.importNode(replacement, true));
        changed = true;
      }
    });
    if (changed) {
      var status = document.querySelector('[data-live-status]');
      if (status) {
        var time = new Date().toLocaleTimeString(document.documentElement.lang || undefined, { timeZone: 'UTC', hour: '2-digit', minute: '2-digit', second: '2-digit' });
        status.textContent = status.getAttribute('data-live-status') + ' ' + time + ' UTC';
      }
    }
    if (deferred) { window.setTimeout(schedule, MIN_INTERVAL_MS); }
  }

  function eventName(event) {
    if (event.type !== 'message') { return event.type; }
    try {
      var data = JSON.parse(event.data);
      var type = (data && (data.type || data.event)) || '';
      return String(type).replace(/^org\.opencass\./, '');
    } catch (e) { return ''; }
  }

  function startPolling() {
    if (polling) { return; }
    polling = window.setInterval(function () { if (!document.hidden) { schedule(); } }, POLL_MS);
  }

  function subscribe() {
    var url = document.body.getAttribute('data-events');
    if (!url || source || regions().length === 0) { return; }
    if (!window.EventSource || !window.fetch || !window.DOMParser) { startPolling(); return; }
    var opened = false;
    source = new window.EventSource(url);
    var onEvent = function (event) { if (wanted(eventName(event))) { schedule(); } };
    EVENT_NAMES.forEach(function (name) { source.addEventListener(name, onEvent); });
    source.addEventListener('message', onEvent);
    source.addEventListener('open', function () {
      // After a reconnection, events may have been missed: look once.
      if (opened) { schedule(); }
      opened = true;
    });
    source.addEventListener('error', function () {
      if (source.readyState === window.EventSource.CLOSED) { startPolling(); }
    });
  }

  function replacePage(doc, url) {
    document.title = doc.title;
    document.body.replaceWith(document.adoptNode(doc.body));
    if (url && url !== window.location.href) { window.history.pushState(null, '', url); }
    enhance();
    var focus = document.getElementById('notice') || document.getElementById('main');
    if (focus) { focus.focus(); }
  }

  function enhanceUpload(form) {
    if (form.getAttribute('data-enhanced')) { return; }
    form.setAttribute('data-enhanced', '1');
    form.addEventListener('submit', function (event) {
      if (form.getAttribute('data-plain') || !window.XMLHttpRequest || !window.FormData) { return; }
      var submitter = event.submitter || null;
      var action = (submitter && submitter.getAttribute('formaction')) || form.getAttribute('action');
      var data = new window.FormData(form);
      if (submitter && submitter.name) { data.append(submitter.name, submitter.value); }
      event.preventDefault();
      var box = form.querySelector('.progress');
      var bar = box && box.querySelector('progress');
      var text = box && box.querySelector('.progress-text');
      var buttons = Array.prototype.slice.call(form.querySelectorAll('button'));
      buttons.forEach(function (button) { button.disabled = true; });
      if (box) { box.hidden = false; }
      var xhr = new window.XMLHttpRequest();
      xhr.open('POST', action);
      xhr.responseType = 'document';
      xhr.upload.addEventListener('progress', function (progress) {
        if (!progress.lengthComputable || !bar) { return; }
        var percent = Math.floor(progress.loaded * 100 / progress.total);
        bar.value = percent;
        if (text) { text.textContent = percent + '%'; }
      });
      xhr.addEventListener('load', function () {
        var doc = xhr.response;
        if (doc && doc.body && doc.body.children.length) { replacePage(doc, xhr.responseURL); return; }
        buttons.forEach(function (button) { button.disabled = false; });
        if (text) { text.textContent = form.getAttribute('data-upload-failed') || ''; }
      });
      xhr.addEventListener('error', function () {
        // The enhanced path failed: let the browser send the plain form.
        form.setAttribute('data-plain', '1');
        buttons.forEach(function (button) { button.disabled = false; });
        if (submitter && form.requestSubmit) { form.requestSubmit(submitter); } else { form.submit(); }
      });
      xhr.send(data);
    });
  }

  function enhance() {
    Array.prototype.slice.call(document.querySelectorAll('form[data-upload]')).forEach(enhanceUpload);
    subscribe();
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', enhance);
  } else {
    enhance();
  }
})();
"""#
}
