// Live progress page for one job: /view-progress/<id>.
// Reads the job id from the URL, fetches /api/jobs/<id> once, then follows
// /jobs/<id>/events through jobcast.js (loaded first) until the job's end.
'use strict';

(function () {
  var FINAL = { succeeded: true, failed: true, cancelled: true };

  var el = {};
  var jobId = null;
  var source = null;
  var lastSeq = 0;          // highest event seq shown; anything <= is a replay
  var state = 'unknown';
  var startedAt = null;     // ms since epoch (client clock)
  var finishedAt = null;
  var timer = null;
  var finished = false;
  // A long log keeps only its newest lines in the page; the full log is one
  // click away (the plain-text stream). Lines arrive faster than a page can
  // draw them during a replay, so they are drawn in batches (a timer, not
  // requestAnimationFrame, which hidden tabs never run).
  var MAX_LINES = 2000;
  var pending = [];         // [text, time, class] not drawn yet, oldest first
  var drawn = 0;            // lines in the DOM
  var hiddenLines = 0;      // older lines no longer in the DOM
  var drawQueued = false;
  // Events the job had when its info was read: replaying those must not
  // override the current state and progress the info already gave.
  var snapshotEvents = 0;
  // An access token given in the page's address (?token=), for servers with
  // --auth.jwt-key; without one the jobcast_token cookie, if any, goes
  // along by itself.
  var token = new URLSearchParams(location.search).get('token') || '';

  function authHeaders(headers) {
    if (token) headers.Authorization = 'Bearer ' + token;
    return headers;
  }

  function $(id) { return document.getElementById(id); }

  function parseTime(iso) {
    if (!iso) return null;
    var t = Date.parse(iso);
    return isNaN(t) ? null : t;
  }

  function formatDuration(ms) {
    if (ms < 0) ms = 0;
    var total = Math.floor(ms / 1000);
    var h = Math.floor(total / 3600);
    var m = Math.floor((total % 3600) / 60);
    var s = total % 60;
    var mm = h > 0 && m < 10 ? '0' + m : String(m);
    var ss = s < 10 ? '0' + s : String(s);
    return (h > 0 ? h + ':' : '') + mm + ':' + ss;
  }

  function showMessage(text) {
    el.message.textContent = text;
    el.message.hidden = !text;
  }

  function setConnection(text) {
    el.connection.textContent = text;
  }

  function setState(next) {
    if (!next) return;
    state = next;
    el.state.textContent = next;
    el.state.className = 'badge state-' + next;
    el.state.setAttribute('data-state', next);
    document.body.setAttribute('data-state', next);
    document.title = 'Job ' + jobId + ' (' + next + ') — jobcast';
    if (FINAL[next]) {
      el.cancel.disabled = true;
      el.cancel.hidden = true;
    } else {
      el.cancel.hidden = false;
      el.cancel.disabled = false;
    }
  }

  function setProgress(fraction) {
    if (typeof fraction !== 'number' || !isFinite(fraction)) return;
    if (fraction < 0) fraction = 0;
    if (fraction > 1) fraction = 1;
    var pct = Math.round(fraction * 100) + '%';
    el.progress.value = fraction;
    el.progress.textContent = pct;
    el.percent.textContent = pct;
  }

  function renderElapsed() {
    if (startedAt === null) {
      el.elapsed.textContent = FINAL[state] ? '–' : 'not started';
      return;
    }
    var end = finishedAt !== null ? finishedAt : Date.now();
    el.elapsed.textContent = formatDuration(end - startedAt);
    el.elapsed.setAttribute('title', new Date(startedAt).toLocaleString());
  }

  function startTimer() {
    if (timer === null) timer = setInterval(renderElapsed, 1000);
    renderElapsed();
  }

  function stopTimer() {
    if (timer !== null) {
      clearInterval(timer);
      timer = null;
    }
    renderElapsed();
  }

  function appendLine(text, time, extraClass) {
    pending.push([text, time, extraClass]);
    // Bounded even where frames do not run (a background tab).
    if (pending.length > 2 * MAX_LINES) {
      var drop = pending.length - MAX_LINES;
      pending.splice(0, drop);
      hiddenLines += drop;
    }
    if (!drawQueued) {
      drawQueued = true;
      setTimeout(drawLines, 30);
    }
  }

  function atBottom() {
    return el.log.scrollHeight - el.log.scrollTop - el.log.clientHeight < 40;
  }

  function drawLines() {
    drawQueued = false;
    var follow = atBottom();
    var excess = drawn + pending.length - MAX_LINES;
    if (excess > 0) {
      var fromPending = Math.max(0, excess - drawn);
      pending.splice(0, fromPending);
      for (var k = excess - fromPending; k > 0; k--) el.log.removeChild(el.log.firstChild);
      drawn -= excess - fromPending;
      hiddenLines += excess;
    }
    var frag = document.createDocumentFragment();
    pending.forEach(function (line) {
      var li = document.createElement('li');
      li.textContent = line[0];
      if (line[1]) {
        li.setAttribute('data-time', line[1]);
        var t = parseTime(line[1]);
        if (t !== null) li.title = new Date(t).toLocaleTimeString();
      }
      if (line[2]) li.className = line[2];
      frag.appendChild(li);
    });
    drawn += pending.length;
    pending = [];
    el.log.appendChild(frag);
    el.log.start = hiddenLines + 1;
    el.hiddenLines.hidden = hiddenLines === 0;
    el.hiddenCount.textContent = String(hiddenLines);
    // Follow the tail, unless the reader scrolled up to read.
    if (follow) el.log.scrollTop = el.log.scrollHeight;
  }

  function finish(finalState, time) {
    finished = true;
    drawLines(); // The log is complete when the state says so.
    if (source) {
      source.close();
      source = null;
    }
    setConnection('done');
    setState(finalState);
    if (finalState === 'succeeded') setProgress(1);
    if (finishedAt === null) finishedAt = parseTime(time) || Date.now();
    if (startedAt === null) finishedAt = null;
    stopTimer();
    el.outcome.textContent = 'Job ' + finalState + '.';
    el.outcome.hidden = false;
  }

  // One event from the stream (progress or end); returns false for replays.
  function handle(data) {
    if (!data || typeof data.seq !== 'number') return false;
    if (data.seq <= lastSeq) return false;
    lastSeq = data.seq;
    if (data.type === 'end') {
      if (data.text) appendLine(data.text, data.time, 'final ' + (data.state || ''));
      finish(data.state || 'succeeded', data.time);
      return true;
    }
    if (data.type === 'gap') {
      // The server no longer keeps the oldest lines: say so, in place.
      appendLine(data.text, data.time, 'gap');
      return true;
    }
    // Replayed history: its lines, but not its old state and progress.
    var live = data.seq > snapshotEvents;
    if (data.type === 'status') {
      // Queue position ("queued, 2 ahead") or "started": shown as the state,
      // not as a line of the job's own log.
      if (!live) return true;
      setState(data.state);
      showMessage(data.state === 'queued' ? data.text : '');
      if (data.state === 'running' && startedAt === null) {
        startedAt = parseTime(data.time) || Date.now();
        startTimer();
      }
      return true;
    }
    if (startedAt === null) {
      startedAt = parseTime(data.time) || Date.now();
      startTimer();
    }
    if (data.text) appendLine(data.text, data.time,
                              data.stream === 'stderr' ? 'stderr' : '');
    if (live && typeof data.progress === 'number') setProgress(data.progress);
    if (live && data.state && !FINAL[data.state]) setState(data.state);
    return true;
  }

  // The stream itself (resume, reset, the end) is jobcast.js's business;
  // this page only draws what it hands on.
  function follow() {
    source = jobcast.watch('', jobId, {
      onEvent: handle,
      onEnd: function (data) {
        if (!handle(data) && !finished) finish(data.state || state, data.time);
        source = null;
      },
      // The server could not place our resume point (it restarted, say):
      // what is shown may be of another instance of this job. Start over
      // from the replay that follows.
      onReset: startOver,
      onConnection: function (what) {
        if (finished) return;
        if (what === 'live') {
          setConnection('live');
          showMessage('');
        } else if (what === 'restarting') {
          setConnection('server restarting, reconnecting…');
        } else if (what === 'reconnecting' || what === 'behind') {
          setConnection('reconnecting…');
        } else if (what === 'connecting') {
          setConnection('connecting');
        } else if (what === 'expired') {
          source = null;
          setConnection('access expired');
          showMessage('Your access token has expired. Reload the page with a fresh one to go on watching.');
          stopTimerIfIdle();
        }
      },
      onError: function () {
        if (finished) return;
        source = null;
        setConnection('disconnected');
        showMessage('Lost the event stream. Reload the page to try again.');
        stopTimerIfIdle();
      }
    }, { token: token });
  }

  function startOver(reason) {
    lastSeq = 0;
    snapshotEvents = 0;
    pending = [];
    drawn = 0;
    hiddenLines = 0;
    el.log.textContent = '';
    el.hiddenLines.hidden = true;
    el.outcome.hidden = true;
    startedAt = null;
    finishedAt = null;
    setProgress(0);
    stopTimerIfIdle();
    renderElapsed();
    showMessage(reason ? 'Reloaded the log: ' + reason + '.' : '');
  }

  function stopTimerIfIdle() {
    if (timer !== null) {
      clearInterval(timer);
      timer = null;
    }
  }

  function applyInfo(info) {
    el.heading.textContent = 'Job ' + info.id;
    el.kind.textContent = info.kind || '';
    el.title.textContent = info.title || '';
    startedAt = parseTime(info.started);
    finishedAt = parseTime(info.finished);
    snapshotEvents = typeof info.events === 'number' ? info.events : 0;
    // The stream replays the whole history, so live state comes from there;
    // only show the snapshot until the first event arrives.
    if (!finished) {
      setState(info.state);
      if (typeof info.progress === 'number') setProgress(info.progress);
      if (info.state === 'succeeded') setProgress(1);
      if (FINAL[info.state]) {
        el.outcome.textContent = 'Job ' + info.state + '.';
        el.outcome.hidden = false;
      }
    }
    if (finishedAt !== null || FINAL[info.state]) stopTimer();
    else if (startedAt !== null) startTimer();
    else renderElapsed();
  }

  function cancelJob() {
    if (FINAL[state]) return;
    el.cancel.disabled = true;
    fetch('/api/jobs/' + encodeURIComponent(jobId), {
      method: 'DELETE',
      headers: authHeaders({ Accept: 'application/json' })
    }).then(function (res) {
      if (res.ok || res.status === 409) {
        // 409: already finished. Either way the end event follows on the
        // stream; take the answer's state in case the stream is down.
        return res.json().then(function (body) {
          if (body && FINAL[body.state] && !finished && !source) setState(body.state);
        }, function () {});
      }
      el.cancel.disabled = FINAL[state] === true;
      showMessage(res.status === 401 || res.status === 403
        ? 'Not allowed to cancel this job (HTTP ' + res.status + ').'
        : 'Could not cancel the job (HTTP ' + res.status + ').');
    }, function () {
      el.cancel.disabled = FINAL[state] === true;
      showMessage('Could not cancel the job: network error.');
    });
  }

  function noSuchJob(text) {
    el.heading.textContent = 'No such job';
    document.title = 'No such job — jobcast';
    el.job.hidden = true;
    showMessage(text);
  }

  function init() {
    [
      'heading', 'kind', 'title', 'message', 'job', 'state', 'elapsed',
      'connection', 'progress', 'percent', 'outcome', 'cancel', 'log',
      'actions', 'hiddenLines', 'hiddenCount'
    ].forEach(function (id) { el[id] = $(id); });

    var match = /\/view-progress\/(\d+)\/?$/.exec(location.pathname);
    if (!match) {
      noSuchJob('This address does not name a job.');
      return;
    }
    jobId = match[1];
    el.actions.hidden = false;  // cancelling needs JavaScript
    setConnection('connecting');
    el.heading.textContent = 'Job ' + jobId;
    document.title = 'Job ' + jobId + ' — jobcast';
    el.cancel.addEventListener('click', cancelJob);

    // The plain-text links keep the token of the address.
    if (token) {
      Array.prototype.forEach.call(document.querySelectorAll('a[href="?format=text"]'), function (a) {
        a.setAttribute('href', '?format=text&token=' + encodeURIComponent(token));
      });
    }

    fetch('/api/jobs/' + jobId, { headers: authHeaders({ Accept: 'application/json' }) })
      .then(function (res) {
        if (res.status === 404) {
          noSuchJob('No such job: job ' + jobId + ' does not exist (or has been forgotten).');
          return null;
        }
        if (!res.ok) throw new Error('HTTP ' + res.status);
        return res.json();
      })
      .then(function (info) {
        if (!info) return;
        applyInfo(info);
        follow();
      })
      .catch(function (err) {
        // The API call failed but the stream may still work: follow anyway.
        showMessage('Could not load job details (' + err.message + ').');
        follow();
      });
  }

  if (document.readyState === 'complete') init();
  else window.addEventListener('load', init);
})();
