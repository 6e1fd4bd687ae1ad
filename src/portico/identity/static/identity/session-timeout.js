/* Idle-timeout warning: polls the (passive) session status, opens the USWDS modal shortly
 * before the idle limit, extends the session on "Stay signed in", and goes to the sign-in
 * page when the time is up. No inline script: CSP script-src 'self'. */
(function () {
  'use strict'
  var root = document.getElementById('portico-session')
  if (!root) return
  var statusUrl = root.dataset.statusUrl
  var extendUrl = root.dataset.extendUrl
  var loginUrl = root.dataset.loginUrl
  var modal = document.getElementById('portico-session-modal')
  var opener = document.getElementById('portico-session-opener')
  var countdown = document.getElementById('portico-session-countdown')
  var extendBtn = document.getElementById('portico-session-extend')
  var csrf = document.querySelector('meta[name="csrf-token"]')
  var deadline = null
  var warning = 120
  var open = false
  var pollTimer = null
  var tickTimer = null

  function isOpen () {
    var wrapper = modal && modal.closest('.usa-modal-wrapper')
    return wrapper ? wrapper.classList.contains('is-visible') : open
  }

  function show () {
    if (isOpen()) return
    open = true
    if (opener) opener.click()
  }

  function hide () {
    open = false
    if (isOpen()) {
      var closer = modal.querySelector('[data-close-modal]')
      if (closer) closer.click()
    }
  }

  function format (seconds) {
    var m = Math.floor(seconds / 60)
    var s = seconds % 60
    if (m > 0) return m + ' minute' + (m === 1 ? '' : 's') + (s ? ' ' + s + ' second' + (s === 1 ? '' : 's') : '')
    return s + ' second' + (s === 1 ? '' : 's')
  }

  function tick () {
    if (deadline === null) return
    var left = Math.max(0, Math.round((deadline - Date.now()) / 1000))
    if (countdown) countdown.textContent = format(left)
    if (left <= 0) {
      window.location.assign(loginUrl + '?next=' + encodeURIComponent(window.location.pathname))
      return
    }
    if (left <= warning) show()
  }

  function apply (data) {
    if (!data || data.authenticated === false) {
      window.location.assign(loginUrl)
      return
    }
    warning = data.warning || warning
    deadline = Date.now() + data.remaining * 1000
    if (data.remaining > warning) hide()
    tick()
  }

  function poll () {
    fetch(statusUrl, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (r) { return r.status === 401 ? { authenticated: false } : r.json() })
      .then(apply)
      .catch(function () { /* offline: try again at the next poll */ })
  }

  function extend () {
    fetch(extendUrl, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { Accept: 'application/json', 'X-CSRFToken': csrf ? csrf.content : '' }
    })
      .then(function (r) { return r.status === 401 ? { authenticated: false } : r.json() })
      .then(function (data) { open = false; apply(data) })
      .catch(function () {})
  }

  if (extendBtn) extendBtn.addEventListener('click', extend)
  poll()
  pollTimer = window.setInterval(poll, 30000)
  tickTimer = window.setInterval(tick, 1000)
  window.addEventListener('pagehide', function () {
    window.clearInterval(pollTimer)
    window.clearInterval(tickTimer)
  })
})()
