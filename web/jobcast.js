// jobcast.js: watch a jobcast job from any page. No dependencies.
//
//   <script src="http://host:3000/assets/jobcast.js"></script>
//   <script>
//     var w = jobcast.watch('http://host:3000', 42, {
//       onEvent: function (e) { console.log(e.seq, e.type, e.text); },
//       onState: function (state, e) { console.log('now', state); },
//       onEnd: function (e) { console.log('ended', e.state); },
//     });
//     // w.close() stops watching.
//   </script>
//
// A classic script rather than an ES module: a page of another origin can
// load it with a plain <script> tag, which needs no CORS (an imported module
// would). It defines one global, `jobcast`.
//
// What it takes care of, so that callers do not have to:
//  - resume: EventSource reconnects with Last-Event-ID after a drop, a
//    server restart (`shutdown`) or falling behind (`overflow`); events are
//    handed on once each, in seq order, whatever the server replays;
//  - `reset`: the server could not place the resume point, so what was shown
//    may belong to another instance of the job: onReset, then the whole
//    history again from seq 1;
//  - `gap`: the oldest events are no longer kept; it is an event like any
//    other (type 'gap', its text says how many);
//  - the end: onEnd once, then the stream is closed so that EventSource
//    does not reconnect to a finished job;
//  - `expired`: the access token the stream was opened with has expired
//    (servers with --auth.jwt-key). Reconnecting with the same token would
//    only be refused, so the stream is closed and onConnection('expired')
//    tells the caller to watch again, with a fresh token, resuming with
//    `after: w.lastEventId()`.
'use strict';

(function (global) {
  var FINAL = { succeeded: true, failed: true, cancelled: true };
  var EVENTS = ['progress', 'status', 'gap'];

  function parse(message) {
    try {
      var data = JSON.parse(message.data);
      return data && typeof data === 'object' ? data : null;
    } catch (e) {
      return null;
    }
  }

  function streamUrl(baseUrl, id, options) {
    var base = String(baseUrl || '').replace(/\/+$/, '');
    var url = base + '/jobs/' + encodeURIComponent(String(id)) + '/events';
    var query = [];
    if (options.after !== undefined && options.after !== null)
      query.push('last-event-id=' + encodeURIComponent(String(options.after)));
    if (options.token) query.push('token=' + encodeURIComponent(options.token));
    return query.length ? url + '?' + query.join('&') : url;
  }

  /// Follows job `id` of the jobcast at `baseUrl` ('' for this page's own
  /// server). Handlers, all optional:
  ///   onEvent(e)          each progress, status or gap event, once, in order
  ///   onState(state, e)   the job's state changed (queued, running, ...)
  ///   onEnd(e)            the last event; e.state is succeeded, failed or
  ///                       cancelled, e.text the reason if there is one
  ///   onReset(text)       forget what was shown; the history follows anew
  ///   onConnection(what)  'connecting', 'live', 'reconnecting',
  ///                       'restarting' (server stopping), 'behind' (this
  ///                       viewer fell behind and resumes), 'expired'
  ///                       (the access token expired: nothing more comes
  ///                       until watch() is called again with a fresh
  ///                       one), 'closed'
  ///   onError(text)       the stream cannot be followed (no such job, or
  ///                       the browser gave up); nothing more will come
  /// Options: `after` (an event id or seq: resume after it, e.g. after a
  /// page reload), `token` (sent as ?token=), `withCredentials`.
  /// Returns {close(), lastEventId(), lastSeq()}.
  function watch(baseUrl, id, handlers, options) {
    handlers = handlers || {};
    options = options || {};
    var lastSeq = 0;
    var lastId = options.after === undefined ? null : String(options.after);
    var state = null;
    var done = false;
    var source = null;

    function call(name) {
      var fn = handlers[name];
      if (typeof fn !== 'function') return;
      try {
        fn.apply(null, Array.prototype.slice.call(arguments, 1));
      } catch (err) {
        // A handler's bug must not stop the stream: report it and go on.
        setTimeout(function () { throw err; }, 0);
      }
    }

    function close() {
      if (source) {
        source.close();
        source = null;
      }
    }

    function stop(connection) {
      done = true;
      close();
      call('onConnection', connection);
    }

    function noteState(data) {
      if (typeof data.state === 'string' && data.state !== state) {
        state = data.state;
        call('onState', state, data);
      }
    }

    // Only events newer than the last one handed on get through: a resume
    // that replays what was seen (or a reconnect racing the end) is harmless.
    function fresh(data, message) {
      if (!data || typeof data.seq !== 'number' || data.seq <= lastSeq)
        return false;
      lastSeq = data.seq;
      if (message && message.lastEventId) lastId = message.lastEventId;
      return true;
    }

    function onEvent(message) {
      if (done) return;
      var data = parse(message);
      if (!fresh(data, message)) return;
      call('onEvent', data);
      if (!FINAL[data.state]) noteState(data);
    }

    function onEnd(message) {
      if (done) return;
      var data = parse(message) || { type: 'end', state: state || 'failed' };
      // The end closes the stream even if it was seen before (a reconnect
      // right after it): EventSource would otherwise try again.
      fresh(data, message);
      stop('closed');
      noteState(data);
      call('onEnd', data);
    }

    function onReset(message) {
      if (done) return;
      var data = parse(message);
      lastSeq = 0;
      state = null;
      call('onReset', data && data.text ? data.text : '');
    }

    if (typeof global.EventSource !== 'function') {
      setTimeout(function () {
        call('onError', 'this browser has no EventSource');
      }, 0);
      return { close: function () {}, lastEventId: function () { return lastId; },
               lastSeq: function () { return lastSeq; } };
    }

    call('onConnection', 'connecting');
    source = new global.EventSource(streamUrl(baseUrl, id, options),
                                    { withCredentials: !!options.withCredentials });
    EVENTS.forEach(function (name) { source.addEventListener(name, onEvent); });
    source.addEventListener('end', onEnd);
    source.addEventListener('reset', onReset);
    source.addEventListener('open', function () {
      if (!done) call('onConnection', 'live');
    });
    // Farewells: the response ends and EventSource resumes by itself.
    source.addEventListener('shutdown', function () {
      if (!done) call('onConnection', 'restarting');
    });
    source.addEventListener('overflow', function () {
      if (!done) call('onConnection', 'behind');
    });
    // Not resumed by itself: the same token would be refused (401).
    source.addEventListener('expired', function () {
      if (!done) stop('expired');
    });
    source.addEventListener('error', function () {
      if (done || !source) return;
      if (source.readyState === global.EventSource.CLOSED) {
        // A 404 (no such job), a 204 past a finished end, or a refusal:
        // EventSource does not say which, and will not try again.
        stop('closed');
        call('onError', 'the event stream closed (no such job, or refused)');
      } else {
        call('onConnection', 'reconnecting');
      }
    });

    return {
      close: function () { if (!done) stop('closed'); },
      lastEventId: function () { return lastId; },
      lastSeq: function () { return lastSeq; }
    };
  }

  global.jobcast = { watch: watch, version: 1 };
})(typeof globalThis !== 'undefined' ? globalThis : this);
