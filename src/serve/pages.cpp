// The pages. The script and stylesheet are served from /static (the Content-Security-Policy
// allows nothing inline and nothing from elsewhere).
#include "serve/pages.hpp"

namespace dosegate::serve {
namespace {

std::string head(const std::string& title, const std::string& csrf) {
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
         "<meta name=\"csrf-token\" content=\"" +
         html_escape(csrf) + "\">\n<title>" + html_escape(title) +
         " - dosegate</title>\n<link rel=\"stylesheet\" href=\"/static/dosegate.css\">\n"
         "<script src=\"/static/dosegate.js\" defer></script>\n</head>\n";
}

std::string bar(const std::string& user, const std::string& csrf, const std::string& page) {
  return "<header><span class=\"brand\">dosegate</span> <span class=\"page\">" + page +
         "</span><form method=\"post\" action=\"/logout\" class=\"logout\">"
         "<input type=\"hidden\" name=\"csrf\" value=\"" +
         html_escape(csrf) + "\"><span class=\"user\">" + html_escape(user) +
         "</span> <button type=\"submit\">Log out</button></form></header>\n";
}

}  // namespace

std::string html_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string login_page(const std::string& error, const std::string& next) {
  return head("Log in", "") + "<body class=\"login\">\n<main>\n<h1>dosegate</h1>\n" +
         (error.empty() ? ""
                        : "<p class=\"error\" role=\"alert\" id=\"login-error\">" +
                              html_escape(error) + "</p>\n") +
         "<form method=\"post\" action=\"/login\">\n"
         "<label for=\"user\">User</label>\n"
         "<input id=\"user\" name=\"user\" autocomplete=\"username\" required autofocus>\n"
         "<label for=\"password\">Password</label>\n"
         "<input id=\"password\" name=\"password\" type=\"password\" "
         "autocomplete=\"current-password\" required>\n"
         "<input type=\"hidden\" name=\"next\" value=\"" +
         html_escape(next) +
         "\">\n<button type=\"submit\" id=\"login\">Log in</button>\n</form>\n</main>\n"
         "</body>\n</html>\n";
}

std::string forbidden_page(const std::string& user, const std::string& role,
                           const std::string& needed) {
  return head("Not allowed", "") + "<body>\n<main>\n<h1>Not allowed</h1>\n<p>" + html_escape(user) +
         " has the role " + html_escape(role) + "; this page needs " + html_escape(needed) +
         ".</p>\n<p><a href=\"/login\">Log in as someone else</a></p>\n" +
         "</main>\n</body>\n</html>\n";
}

std::string bedside_page(const std::string& user, const std::string& csrf,
                         const std::vector<std::string>& staff) {
  // User names hold no white space (the users file separates its fields with spaces).
  std::string names;
  for (const auto& n : staff) names += (names.empty() ? "" : " ") + n;
  return head("Bedside", csrf) + "<body class=\"bedside\" data-user=\"" + html_escape(user) +
         "\" data-staff=\"" + html_escape(names) + "\">\n" + bar(user, csrf, "Bedside") +
         "<main>\n"
         "<form id=\"scan-form\" autocomplete=\"off\">\n"
         "<label for=\"scan\">Scan the bag label, the wristband and your badge</label>\n"
         "<input id=\"scan\" name=\"scan\" autofocus aria-describedby=\"scan-help\">\n"
         "<p id=\"scan-help\" class=\"help\">Each scan fills its own field: the bag's DIN and "
         "product code (or its DataMatrix), the recipient's wristband, your badge or the badge "
         "of the colleague who gives the dose. The answer comes when the bag and the wristband are "
         "scanned.</p>\n"
         "</form>\n"
         "<section id=\"answer\" class=\"answer idle\" role=\"status\" aria-live=\"assertive\" "
         "tabindex=\"-1\"><p class=\"line\">Scan a dose</p></section>\n"
         "<dl class=\"fields\" aria-live=\"polite\">\n"
         "<dt>Bag</dt><dd id=\"field-bag\">-</dd>\n"
         "<dt>Recipient</dt><dd id=\"field-recipient\">-</dd>\n"
         "<dt>Staff</dt><dd id=\"field-staff\">" +
         html_escape(user) +
         " (logged in)</dd>\n"
         "<dt><label for=\"thawed\">Thawed at</label></dt><dd><input id=\"thawed\" "
         "name=\"thawed_at\" value=\"now\" size=\"22\"></dd>\n"
         "</dl>\n"
         "<div class=\"buttons\"><button type=\"button\" id=\"confirm\">Check now</button> "
         "<button type=\"button\" id=\"clear\">Clear</button></div>\n"
         "</main>\n</body>\n</html>\n";
}

std::string qa_page(const std::string& user, const std::string& csrf, bool recalls) {
  const std::string recall =
      recalls ? "<h1>Recall a lot</h1>\n<p>Withdraws every dose of the lot: the bedside answers "
                "NO-GO from now on. Signed with the service's releaser key; the reason "
                "recorded names you.</p>\n"
                "<form id=\"recall-form\">\n"
                "<label for=\"recall-lot\">Lot (DIN, 13 characters)</label> <input "
                "id=\"recall-lot\" name=\"lot\" required pattern=\"[A-Za-z0-9]{13}\">\n"
                "<label for=\"recall-reason\">Reason</label> <input id=\"recall-reason\" "
                "name=\"reason\" required>\n"
                "<button type=\"submit\" id=\"recall\">Recall</button>\n</form>\n"
                "<section id=\"recall-result\" aria-live=\"polite\"></section>\n"
              : "";
  return head("QA", csrf) + "<body class=\"qa\">\n" + bar(user, csrf, "QA") +
         "<main>\n<h1>Verify a Certificate of Analysis</h1>\n"
         "<form id=\"verify-form\" enctype=\"multipart/form-data\">\n"
         "<label for=\"coa\">CoA (XML)</label> <input id=\"coa\" name=\"coa\" type=\"file\" "
         "required>\n"
         "<label for=\"signature\">Detached signature (optional)</label> <input id=\"signature\" "
         "name=\"signature\" type=\"file\">\n"
         "<label for=\"spec\">Specification (optional; the built-in one otherwise)</label> "
         "<input id=\"spec\" name=\"spec\" type=\"file\">\n"
         "<button type=\"submit\" id=\"verify\">Verify</button>\n</form>\n"
         "<section id=\"report\" aria-live=\"polite\"></section>\n"
         "<h1>Pending tests</h1>\n<p>Every pending test of a released lot without its late "
         "result, overdue first. <a href=\"/audit\">History and look-back</a></p>\n"
         "<section id=\"pending\" aria-live=\"polite\"></section>\n" +
         recall + "</main>\n</body>\n</html>\n";
}

std::string audit_page(const std::string& user, const std::string& csrf) {
  return head("Audit", csrf) + "<body class=\"audit\">\n" + bar(user, csrf, "Audit (read-only)") +
         "<main>\n<h1>Ledger</h1>\n"
         "<button type=\"button\" id=\"run-audit\">Audit the ledger</button>\n"
         "<section id=\"audit-result\" aria-live=\"polite\"></section>\n"
         "<h1>History</h1>\n<form id=\"history-form\">\n"
         "<label for=\"lot\">Lot (DIN)</label> <input id=\"lot\" name=\"lot\">\n"
         "<label for=\"kind\">Kind</label> <select id=\"kind\" name=\"kind\"><option "
         "value=\"\">any</option><option>release</option><option>rejection</option>"
         "<option>records</option><option>recall</option><option>results</option>"
         "<option>confirm</option></select>\n"
         "<label for=\"since\">Since</label> <input id=\"since\" name=\"since\" "
         "placeholder=\"2026-11-01T00:00:00Z\">\n"
         "<label for=\"until\">Until</label> <input id=\"until\" name=\"until\">\n"
         "<button type=\"submit\">Show</button> <a id=\"export-csv\" "
         "href=\"/api/v1/history?format=csv\">CSV</a> <a id=\"export-json\" "
         "href=\"/api/v1/history?format=json\">JSON</a>\n</form>\n"
         "<section id=\"history\"></section>\n"
         "<h1>Look-back</h1>\n<form id=\"trace-form\"><label for=\"din\">Lot (DIN)</label> "
         "<input id=\"din\" name=\"din\"> <button type=\"submit\">Trace</button></form>\n"
         "<section id=\"trace\"></section>\n"
         "</main>\n</body>\n</html>\n";
}

std::string stylesheet() {
  return R"(body{font-family:system-ui,sans-serif;margin:0;font-size:18px;color:#111;background:#fafafa}
header{display:flex;gap:1em;align-items:center;padding:.5em 1em;background:#223;color:#fff}
header .brand{font-weight:bold}header .logout{margin-left:auto}
*{box-sizing:border-box}
main{max-width:60em;margin:0 auto;padding:1em}
label{display:block;font-weight:bold;margin-top:.6em}
input,select,button{font-size:1.1em;padding:.5em;min-height:48px}
button{min-width:8em;cursor:pointer}
#scan{width:100%;font-size:1.4em;border:3px solid #223}
.help{font-size:.85em;color:#444;margin:.3em 0}
#scan:focus{outline:4px solid #06c}
.fields{display:grid;grid-template-columns:10em 1fr;gap:.3em 1em}
.fields dd{margin:0;font-family:monospace;font-size:1.1em}
.answer{margin:.6em 0 1em;padding:.6em 1em;border-radius:8px;font-size:1.4em;border:4px solid #888}
.answer .line{font-size:1.6em;font-weight:bold;margin:0 0 .4em}
.answer.go{background:#0a7d28;color:#fff;border-color:#064}
.answer.no-go{background:#b00020;color:#fff;border-color:#700}
.answer.error{background:#ffd54f;color:#111;border-color:#a80}
.answer .pending{background:#ffd54f;color:#111;padding:.1em .3em;font-weight:bold}
.error{color:#b00020;font-weight:bold}
table{border-collapse:collapse;width:100%;font-size:.8em}td,th{border:1px solid #ccc;padding:.2em .4em;text-align:left;vertical-align:top}
.verdict-intact{color:#0a7d28;font-weight:bold}.verdict-tampered{color:#b00020;font-weight:bold}
.login main{max-width:24em}
tr.overdue td{background:#ffd6d6;font-weight:bold}
)";
}

std::string script() {
  return R"JS('use strict';
const csrf = () => document.querySelector('meta[name="csrf-token"]').content;
const el = (tag, text, cls) => { const e = document.createElement(tag); if (text !== undefined) e.textContent = text; if (cls) e.className = cls; return e; };

// Bedside: one input; each scan fills the field its data structure names.
function bedside() {
  const scan = document.getElementById('scan');
  const answer = document.getElementById('answer');
  const user = document.body.dataset.user;
  const staffIds = (document.body.dataset.staff || '').split(' ').filter((s) => s);
  // staff: another person's badge, scanned for this dose ('' is the logged-in user).
  let bag = [], hasDin = false, hasProduct = false, recipient = '', staff = '';
  const show = () => {
    document.getElementById('field-bag').textContent = bag.length ? bag.join('  ') : '-';
    document.getElementById('field-recipient').textContent = recipient || '-';
    document.getElementById('field-staff').textContent = staff ? staff + ' (badge, through ' + user + ')' : user + ' (logged in)';
  };
  const clear = () => { bag = []; hasDin = false; hasProduct = false; recipient = ''; staff = ''; show(); };
  const refuse = (why) => {
    // Two different ids for one field: never guess which one is meant.
    clear();
    answer.className = 'answer error';
    answer.replaceChildren(el('p', 'NOT CHECKED', 'line'));
    answer.appendChild(el('ul')).appendChild(el('li', why, 'reason'));
  };
  const keepFocus = () => setTimeout(() => { if (document.activeElement !== document.getElementById('thawed')) scan.focus(); }, 0);
  document.addEventListener('click', keepFocus);
  scan.addEventListener('blur', keepFocus);
  const classify = (raw) => {
    const s = raw.replace(/[\r\n]+$/, '').replace(/^\][A-Za-z][0-9A-Za-z]/, '');
    if (/^=\+/.test(s)) return ['bag', true, true];
    if (/^[A-NP-Z1-9]\d{4} ?\d{2} ?\d{6} ?[0-9A-Z*] ?S\d{4}/.test(s)) return ['bag', true, true];
    if (/^=[A-NP-Z1-9]/.test(s)) return ['bag', true, s.includes('=<')];
    if (/^=</.test(s)) return ['bag', false, true];
    if (/^[=&]/.test(s)) return ['bag', false, false];
    if (s === user || staffIds.includes(s)) return ['badge', s];
    return ['wristband'];
  };
  const render = (status, data) => {
    answer.className = 'answer';
    answer.replaceChildren();
    if (data && data.command === 'confirm') {
      answer.classList.add(data.decision === 'go' ? 'go' : 'no-go');
      answer.appendChild(el('p', data.decision === 'go' ? 'GO' : 'NO-GO', 'line'));
      const reasons = el('ul');
      for (const f of data.findings) if (f.severity === 'error') reasons.appendChild(el('li', f.message, 'reason'));
      if (reasons.children.length) answer.appendChild(reasons);
      for (const p of data.pending) answer.appendChild(el('p', 'Pending test: ' + p.test + ', expected ' + p.expected, 'pending'));
      for (const f of data.findings) if (f.severity === 'warning') answer.appendChild(el('p', 'Warning: ' + f.message, 'warning'));
      answer.appendChild(el('p', (data.dose.din || '') + ' ' + (data.dose.division || '') + (data.ledger_entry ? ' - recorded as ledger entry ' + data.ledger_entry : ' - not recorded'), 'detail'));
    } else {
      const f = data && data.findings && data.findings[0];
      const nogo = status === 404 || status === 503;
      answer.classList.add(nogo ? 'no-go' : 'error');
      answer.appendChild(el('p', nogo ? 'NO-GO' : 'NOT CHECKED', 'line'));
      const reasons = el('ul');
      reasons.appendChild(el('li', f ? f.message : ('HTTP ' + status), 'reason'));
      answer.appendChild(reasons);
    }
  };
  const send = async () => {
    if (!bag.length) return;
    const body = { dose: bag, thawed_at: document.getElementById('thawed').value || 'now' };
    if (recipient) body.recipient = recipient;
    if (staff) body.staff = staff;
    answer.className = 'answer idle';
    answer.replaceChildren(el('p', 'Checking...', 'line'));
    let status = 0, data = null;
    try {
      const r = await fetch('/api/v1/confirm', { method: 'POST', credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf() }, body: JSON.stringify(body) });
      status = r.status;
      data = await r.json();
    } catch (e) { data = { findings: [{ message: 'the service cannot be reached: ' + e }] }; }
    render(status, data);
    clear();
    scan.focus();
  };
  document.getElementById('scan-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const value = scan.value;
    scan.value = '';
    if (!value.trim()) return;
    const [field, din, product] = classify(value);
    if (field === 'bag') {
      if (!bag.length) { answer.className = 'answer idle'; answer.replaceChildren(el('p', 'Scanning...', 'line')); }
      bag.push(value.replace(/[\r\n]+$/, '')); hasDin = hasDin || din; hasProduct = hasProduct || product;
    } else if (field === 'wristband') {
      const id = value.trim();
      if (recipient && recipient !== id)
        return refuse('two different ids were scanned (' + recipient + ', ' + id + '): scan the bag and the wristband again');
      recipient = id;
    } else if (field === 'badge') {
      const id = din === user ? '' : din;
      if (staff && staff !== id)
        return refuse('two different badges were scanned (' + (staff || user) + ', ' + din + '): scan the bag, the wristband and one badge again');
      staff = id;
    }
    show();
    if (hasDin && hasProduct && recipient) send();
  });
  document.getElementById('confirm').addEventListener('click', send);
  document.getElementById('clear').addEventListener('click', () => { clear(); answer.className = 'answer idle'; answer.replaceChildren(el('p', 'Scan a dose', 'line')); });
  scan.focus();
}

function table(rows, columns) {
  const t = el('table');
  const h = el('tr');
  for (const c of columns) h.appendChild(el('th', c));
  t.appendChild(h);
  for (const r of rows) {
    const tr = el('tr');
    for (const c of columns) tr.appendChild(el('td', typeof r[c] === 'object' ? JSON.stringify(r[c]) : String(r[c] ?? '')));
    t.appendChild(tr);
  }
  return t;
}

async function getJson(url) {
  const r = await fetch(url, { credentials: 'same-origin' });
  return [r.status, await r.json()];
}

function qa() {
  const form = document.getElementById('verify-form');
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const report = document.getElementById('report');
    report.replaceChildren(el('p', 'Verifying...'));
    const r = await fetch('/api/v1/verify', { method: 'POST', credentials: 'same-origin', headers: { 'X-CSRF-Token': csrf() }, body: new FormData(form) });
    const data = await r.json();
    report.replaceChildren(el('p', 'Decision: ' + (data.decision || 'error'), 'decision ' + (data.decision || 'error')));
    report.appendChild(table(data.findings || [], ['severity', 'code', 'message', 'location']));
  });
  pendingTests();
  const recall = document.getElementById('recall-form');
  if (recall) recall.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const lot = document.getElementById('recall-lot').value.trim();
    if (!window.confirm('Recall every dose of lot ' + lot + '?')) return;
    const out = document.getElementById('recall-result');
    const r = await fetch('/api/v1/recall', { method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf() }, body: JSON.stringify({ lot: lot, reason: document.getElementById('recall-reason').value }) });
    const data = await r.json();
    if (r.status !== 200) { out.replaceChildren(el('p', data.findings ? data.findings[0].message : 'HTTP ' + r.status, 'error')); return; }
    const b = data.look_back;
    out.replaceChildren(el('p', 'RECALLED: lot ' + data.eye_readable + ', ledger entry ' + data.seq, 'decision rejected'));
    out.appendChild(el('p', b.doses_given + ' of ' + b.doses + ' doses already given (' + b.recipients + ' recipients): see the look-back on the audit page.'));
    pendingTests();  // a recalled lot's pending tests leave the list
  });
}

async function pendingTests() {
  const out = document.getElementById('pending');
  const [status, data] = await getJson('/api/v1/pending');
  if (status !== 200) { out.replaceChildren(el('p', data.findings ? data.findings[0].message : 'HTTP ' + status, 'error')); return; }
  if (!data.pending.length) { out.replaceChildren(el('p', 'No pending tests.')); return; }
  const rows = data.pending.map((p) => ({ lot: p.eye_readable, test: p.test, method: p.method, expected: p.expected, status: p.problem || (p.overdue ? 'OVERDUE (' + p.when_overdue + ')' : 'pending'), record: p.record }));
  const t = table(rows, ['lot', 'test', 'method', 'expected', 'status', 'record']);
  data.pending.forEach((p, i) => { if (p.overdue || p.problem) t.rows[i + 1].className = 'overdue'; });
  out.replaceChildren(t);
}

function audit() {
  document.getElementById('run-audit').addEventListener('click', async () => {
    const [, data] = await getJson('/api/v1/audit');
    const out = document.getElementById('audit-result');
    out.replaceChildren(el('p', (data.decision || 'error').toUpperCase(), 'verdict-' + data.decision));
    out.appendChild(el('pre', JSON.stringify(data, null, 2)));
  });
  const hist = document.getElementById('history-form');
  const query = () => { const p = new URLSearchParams(); for (const [k, v] of new FormData(hist)) if (v) p.set(k, v); return p; };
  const links = () => { const p = query(); p.set('format', 'csv'); document.getElementById('export-csv').href = '/api/v1/history?' + p; p.set('format', 'json'); document.getElementById('export-json').href = '/api/v1/history?' + p; };
  hist.addEventListener('input', links);
  hist.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    links();
    const [, data] = await getJson('/api/v1/history?' + query());
    const out = document.getElementById('history');
    if (!data.entries) { out.replaceChildren(el('p', data.findings ? data.findings[0].message : 'error', 'error')); return; }
    const rows = data.entries.map((e) => Object.assign({}, e, { records: (e.records || []).map((r) => r.file).join(' ') }));
    out.replaceChildren(table(rows, ['seq', 'kind', 'at', 'actor', 'din', 'divisions', 'decision', 'recipient', 'reason', 'records']));
    for (const e of data.entries) for (const r of (e.records || [])) if (e.kind === 'records') {
      const a = el('a', r.file); a.href = '/api/v1/records/' + encodeURIComponent(r.file); out.appendChild(el('div')).appendChild(a);
    }
  });
  document.getElementById('trace-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const [, data] = await getJson('/api/v1/trace/' + encodeURIComponent(document.getElementById('din').value));
    document.getElementById('trace').replaceChildren(el('pre', JSON.stringify(data, null, 2)));
  });
}

document.addEventListener('DOMContentLoaded', () => {
  if (document.body.classList.contains('bedside')) bedside();
  if (document.body.classList.contains('qa')) qa();
  if (document.body.classList.contains('audit')) audit();
});
)JS";
}

}  // namespace dosegate::serve
