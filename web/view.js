// Live progress page for one job: /view-progress/<id>.
// Reads the job id from the URL, fetches /api/jobs/<id> once, then follows
// /jobs/<id>/events with EventSource until the job's end event.
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
    var li = document.createElement('li');
    li.textContent = text;
    if (time) {
      li.setAttribute('data-time', time);
      var t = parseTime(time);
      if (t !== null) li.title = new Date(t).toLocaleTimeString();
    }
    if (extraClass) li.className = extraClass;
    el.log.appendChild(li);
  }

  function finish(finalState, time) {
    finished = true;
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
    if (data.type === 'status') {
      // Queue position ("queued, 2 ahead") or "started": shown as the state,
      // not as a line of the job's own log.
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
    if (typeof data.progress === 'number') setProgress(data.progress);
    if (data.state && !FINAL[data.state]) setState(data.state);
    return true;
  }

  function parse(ev) {
    try {
      return JSON.parse(ev.data);
    } catch (e) {
      return null;
    }
  }

  function follow() {
    source = new EventSource('/jobs/' + encodeURIComponent(jobId) + '/events');
    source.addEventListener('open', function () {
      if (finished) return;
      setConnection('live');
      showMessage('');
    });
    source.addEventListener('progress', function (ev) { handle(parse(ev)); });
    source.addEventListener('status', function (ev) { handle(parse(ev)); });
    source.addEventListener('gap', function (ev) { handle(parse(ev)); });
    source.addEventListener('end', function (ev) {
      var data = parse(ev);
      if (!handle(data) && data && data.type === 'end' && !finished) {
        finish(data.state || state, data.time);
      }
      // Whatever happened above: the server closes after `end`, so never
      // let EventSource reconnect to a finished job.
      if (source) {
        source.close();
        source = null;
      }
    });
    source.addEventListener('shutdown', function () {
      // The server is going away; EventSource reconnects on its own and
      // sends Last-Event-ID, so the log resumes without gaps or repeats.
      setConnection('server restarting, reconnecting…');
    });
    source.addEventListener('error', function () {
      if (finished || !source) return;
      if (source.readyState === EventSource.CLOSED) {
        setConnection('disconnected');
        showMessage('Lost the event stream. Reload the page to try again.');
        stopTimerIfIdle();
      } else {
        setConnection('reconnecting…');
      }
    });
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
    // The stream replays the whole history, so live state comes from there;
    // only show the snapshot until the first event arrives.
    if (!finished) {
      setState(info.state);
      if (typeof info.progress === 'number') setProgress(info.progress);
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
      headers: { Accept: 'application/json' }
    }).then(function (res) {
      if (res.ok || res.status === 409) {
        // 409: already finished. Either way the end event follows on the
        // stream; take the answer's state in case the stream is down.
        return res.json().then(function (body) {
          if (body && FINAL[body.state] && !finished && !source) setState(body.state);
        }, function () {});
      }
      el.cancel.disabled = FINAL[state] === true;
      showMessage('Could not cancel the job (HTTP ' + res.status + ').');
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
      'connection', 'progress', 'percent', 'outcome', 'cancel', 'log'
    ].forEach(function (id) { el[id] = $(id); });

    var match = /\/view-progress\/(\d+)\/?$/.exec(location.pathname);
    if (!match) {
      noSuchJob('This address does not name a job.');
      return;
    }
    jobId = match[1];
    el.job.hidden = false;  // shown only with JavaScript; <noscript> otherwise
    el.heading.textContent = 'Job ' + jobId;
    document.title = 'Job ' + jobId + ' — jobcast';
    el.cancel.addEventListener('click', cancelJob);

    fetch('/api/jobs/' + jobId, { headers: { Accept: 'application/json' } })
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
