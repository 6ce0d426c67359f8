// Staff console: the simulators, the map, problems and usage. Plain JS, no build step.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const SVG = "http://www.w3.org/2000/svg";

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "class") node.className = value;
      else node.setAttribute(name, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined) continue;
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  async function api(path, body) {
    const options = { credentials: "same-origin" };
    if (body !== undefined) {
      options.method = "POST";
      options.headers = { "Content-Type": "application/json", "X-CSRF-Token": csrfToken() };
      options.body = JSON.stringify(body);
    }
    const response = await fetch(path, options);
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(data.error || `the server answered HTTP ${response.status}`);
    return data;
  }

  const hotlineNumber = () => $("hotline-number").value.trim();
  const csrfToken = () => document.querySelector('meta[name="csrf-token"]').content;

  // Speaking what the caller hears, one prompt after another ----------------------------------

  let speech = Promise.resolve();
  let speechRun = 0;

  function stopSpeaking() {
    speechRun += 1;
    if ("speechSynthesis" in window) window.speechSynthesis.cancel();
    for (const audio of document.querySelectorAll("#heard audio")) audio.pause();
  }

  function sayAloud(text, language) {
    return new Promise((resolve) => {
      if (!("speechSynthesis" in window)) return resolve();
      const utterance = new SpeechSynthesisUtterance(text);
      utterance.lang = language;
      const voices = window.speechSynthesis.getVoices();
      const base = language.split("-")[0];
      utterance.voice =
        voices.find((v) => v.lang === language) ||
        voices.find((v) => v.lang.split("-")[0] === base) ||
        null;
      utterance.onend = utterance.onerror = () => resolve();
      window.speechSynthesis.speak(utterance);
      // Some browsers never end an utterance they cannot voice; do not stall the queue.
      setTimeout(resolve, 1500 + text.length * 90);
    });
  }

  function playAloud(audio) {
    return new Promise((resolve) => {
      audio.addEventListener("ended", resolve, { once: true });
      audio.addEventListener("error", resolve, { once: true });
      audio.play().catch(resolve);
    });
  }

  function queueAloud(start) {
    if (!$("speak").checked) return;
    const run = speechRun;
    speech = speech.then(() => (run === speechRun ? start() : null));
  }

  // Phone simulator ---------------------------------------------------------------------------

  let callState = null;
  // Bumped by each new call and each hang-up, so answers to an abandoned call are ignored.
  let callRun = 0;

  const heardList = () => $("heard");

  function heard(className, text, meta, attrs = {}) {
    const item = el("li", { class: className, ...attrs }, text);
    if (meta) item.append(el("span", { class: "meta" }, meta));
    heardList().append(item);
    // The newest line in view, in the transcript's own scroll box: on a phone it is visible
    // above the keypad without the page jumping.
    heardList().scrollTop = heardList().scrollHeight;
    return item;
  }

  function showEvent(event) {
    switch (event.type) {
      case "say": {
        heard("say", event.text, `${event.language} · ${event.voice || "default voice"}`, {
          lang: event.language,
        });
        queueAloud(() => sayAloud(event.text, event.language));
        break;
      }
      case "play": {
        const audio = el("audio", { controls: true, preload: "none", src: event.url });
        const item = heard("play", "Recording: ", event.url);
        item.insertBefore(audio, item.querySelector(".meta"));
        queueAloud(() => playAloud(audio));
        break;
      }
      case "pause":
        heard("event", `(a pause of ${event.seconds} s)`);
        break;
      case "gather":
        heard("event", `The line waits up to ${event.seconds} s for a key.`);
        break;
      case "key":
        heard("event", `You pressed ${event.key}.`);
        break;
      case "silence":
        heard("event", `No key pressed for ${event.seconds} s.`);
        break;
      case "dial": {
        const callerId = event.caller_id || "the caller's own number";
        heard(
          "transfer",
          `Transfer to ${event.number}`,
          `Caller ID shown to the office: ${callerId}. Rings for up to ${event.seconds} s.`,
        );
        break;
      }
      case "transfer_ended":
        heard("event", `The transfer ended: ${event.status.replace("-", " ")}.`);
        break;
      case "rejected":
        heard("event", `The line rejects the call${event.reason ? ` (${event.reason})` : ""}.`);
        break;
      case "hangup":
        heard("event", "The line hangs up.");
        break;
      case "end":
        heard("event", "The call ends: the line has nothing more to say.");
        break;
      case "error":
        heard("error", `Problem: ${event.message}`);
        break;
      default:
        break;
    }
  }

  // What a message cites, and the source's own words, for the map and the "Now at" card alike.
  function sourceOf(item) {
    const cited = item.cited || [];
    return [
      item.source ? el("span", { class: "source-ref" }, `Source: ${item.source}`) : null,
      cited.length
        ? el(
            "details",
            { class: "cited" },
            el("summary", {}, "The source's words"),
            cited.map((c) => el("blockquote", {}, el("p", {}, c.text), el("cite", {}, `${c.title}, ${c.citation}`))),
          )
        : null,
    ];
  }

  // What was just heard or read, for checking it against the city's words: the menu or
  // message, its review state and the source paragraphs it summarises.
  function showPlace(id, place) {
    const box = $(id);
    if (!place) {
      box.hidden = true;
      box.replaceChildren();
      return;
    }
    const what = place.kind === "office" ? "the office's number and transfer" : place.title || place.id;
    const parts = [
      el("strong", {}, "Now at: "),
      what,
      " ",
      el("span", { class: "meta-inline" }, `(${place.kind} ${place.id}, ${place.language})`),
      place.review ? [" ", el("span", { class: `badge ${place.review}` }, place.review)] : null,
      place.language_review !== "reviewed"
        ? [" ", el("span", { class: "badge draft" }, `${place.language}: translation not reviewed`)]
        : null,
      sourceOf(place),
    ];
    box.replaceChildren(...parts.flat().filter((part) => part !== null));
    box.hidden = false;
  }

  function setWaiting(waiting) {
    const focusInHandset = document.activeElement && document.activeElement.closest(".handset");
    for (const key of document.querySelectorAll(".keypad .key")) key.disabled = waiting !== "key";
    $("call-silence").disabled = waiting !== "key";
    $("transfer-completed").disabled = waiting !== "transfer";
    $("transfer-no-answer").disabled = waiting !== "transfer";
    $("call-hangup").disabled = !waiting;
    const status = {
      key: "Call in progress: waiting for a key.",
      transfer: "Call in progress: transferring to the office.",
    }[waiting] || "The call has ended.";
    $("call-status").textContent = status;
    // A disabled button drops focus to the page; keep keyboard users in the handset.
    if (focusInHandset && document.activeElement.disabled) {
      (waiting === "transfer" ? $("transfer-completed") : $("call-start")).focus();
    }
  }

  // Steps run one after another, so a key pressed while the line answers the last one waits
  // for that answer (and its new state) instead of being lost.
  let callQueue = Promise.resolve();

  async function runStep(path, extra, run) {
    if (run !== callRun || (path !== "api/call/start" && !callState)) return;
    try {
      const step = await api(path, { to: hotlineNumber(), state: callState, edits: triedEdits(), ...extra });
      if (run !== callRun) return; // hung up or called again meanwhile
      step.events.forEach(showEvent);
      showPlace("call-place", step.heard);
      callState = step.state;
      setWaiting(step.waiting);
    } catch (error) {
      heard("error", `Problem: ${error.message}`);
    }
  }

  function callStep(path, extra) {
    const run = callRun;
    callQueue = callQueue.then(() => runStep(path, extra, run));
    return callQueue;
  }

  function startCall() {
    callRun += 1;
    stopSpeaking();
    heardList().replaceChildren();
    showPlace("call-place", null);
    callState = null;
    $("call-status").textContent = "Calling…";
    return callStep("api/call/start", {});
  }

  function hangUp() {
    callRun += 1;
    stopSpeaking();
    callState = null;
    heard("event", "You hung up.");
    setWaiting(null);
    $("call-start").focus();
  }

  function pressKey(key) {
    stopSpeaking();
    return callStep("api/call/press", { key });
  }

  function setUpPhone() {
    $("call-start").addEventListener("click", startCall);
    $("call-hangup").addEventListener("click", hangUp);
    $("call-silence").addEventListener("click", () => {
      stopSpeaking();
      callStep("api/call/silence", {});
    });
    for (const status of ["completed", "no-answer"]) {
      $(`transfer-${status}`).addEventListener("click", () =>
        callStep("api/call/transfer-ends", { status }),
      );
    }
    for (const button of document.querySelectorAll(".keypad .key")) {
      button.addEventListener("click", () => pressKey(button.dataset.key));
    }
    // Typing a digit while in the handset presses it, as on a phone's keypad.
    document.querySelector(".handset").addEventListener("keydown", (event) => {
      if (event.ctrlKey || event.metaKey || event.altKey || !callState) return;
      if ("0123456789*#".includes(event.key) && event.key.length === 1) {
        const target = document.querySelector(`.keypad .key[data-key="${event.key}"]`);
        if (target && !target.disabled) {
          event.preventDefault();
          pressKey(event.key);
        }
      }
    });
  }

  // Text simulator ----------------------------------------------------------------------------

  let textCookie = "";
  let texter = "";

  function textChannel() {
    return document.querySelector('input[name="text-channel"]:checked').value;
  }

  function segmentNote(reply) {
    if (reply.channel === "whatsapp") {
      return `one WhatsApp message · ${reply.characters} characters`;
    }
    const parts = `${reply.segments} segment${reply.segments === 1 ? "" : "s"}`;
    const note = `${parts} · ${reply.encoding} · ${reply.units} units`;
    return reply.long ? `${note} · longer than staff guidance` : note;
  }

  function setUpText() {
    const thread = $("thread");
    $("text-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const input = $("text-body");
      const body = input.value;
      if (!body.trim()) return;
      thread.append(el("li", { class: "sent" }, el("span", { class: "who" }, "You"), body));
      input.value = "";
      try {
        const channel = textChannel();
        const data = await api("api/text", {
          body,
          cookie: textCookie,
          texter,
          channel,
          to: hotlineNumber(),
          edits: triedEdits(),
        });
        textCookie = data.cookie;
        texter = data.texter;
        showPlace("text-place", data.heard);
        if (data.error) thread.append(el("li", { class: "reply error" }, `Problem: ${data.error}`));
        for (const reply of data.replies) {
          thread.append(
            el(
              "li",
              { class: reply.long ? "reply long" : "reply" },
              el("span", { class: "who" }, "Hotline"),
              reply.text,
              el("span", { class: "meta" }, segmentNote(reply)),
            ),
          );
        }
        if (!data.replies.length && !data.error) {
          const none = textChannel() === "whatsapp"
            ? "No reply: the conversation ended."
            : "No reply (Twilio confirms opt-outs itself).";
          thread.append(el("li", { class: "reply" }, none));
        }
      } catch (error) {
        thread.append(el("li", { class: "reply error" }, `Problem: ${error.message}`));
      }
      input.focus();
    });
    const newConversation = () => {
      textCookie = "";
      texter = "";
      showPlace("text-place", null);
      thread.replaceChildren();
      $("text-body").focus();
    };
    $("text-reset").addEventListener("click", newConversation);
    // Another channel is another pair of numbers for Twilio: a conversation of its own.
    for (const radio of document.querySelectorAll('input[name="text-channel"]')) {
      radio.addEventListener("change", newConversation);
    }
  }

  // Map ---------------------------------------------------------------------------------------

  let mapData = null;

  function sourceLink(file, line, label) {
    if (!file) return null;
    return el("a", { href: `source/${file}#L${line}` }, `${label} ${file}:${line}`);
  }

  function mapNode(node) {
    const classes = ["node", node.kind];
    if (node.missing) classes.push("missing");
    if (node.problems.length) classes.push("has-problems");
    const box = el(
      "div",
      { class: classes.join(" ") },
      node.key
        ? el("span", { class: "key-badge" }, el("span", { class: "visually-hidden" }, "Key "), node.key)
        : null,
      el("strong", {}, node.title || node.id),
      " ",
      el("span", { class: "meta-inline" }, `(${node.kind} ${node.id})`),
      node.missing ? [" ", el("span", { class: "badge missing" }, "missing")] : null,
      node.review ? [" ", el("span", { class: `badge ${node.review}` }, node.review)] : null,
      draftEdits().some((e) => node.edit && e.file === node.edit.file && e.path[1] === node.id)
        ? [" ", el("span", { class: "badge edited" }, "edited in your draft")]
        : null,
      node.edit
        ? [
            " ",
            el(
              "button",
              { type: "button", class: "edit", "data-node": node.id, "aria-label": `Edit ${node.title || node.id}` },
              "Edit",
            ),
          ]
        : null,
      sourceOf(node),
      node.problems.length ? [" ", el("span", { class: "badge warning" }, "warning")] : null,
      el(
        "span",
        { class: "meta" },
        sourceLink(node.tree_file, node.tree_line, "defined in"),
        node.text_file && !node.missing ? " · " : null,
        node.missing ? null : sourceLink(node.text_file, node.text_line, "text in"),
      ),
      node.problems.map((problem) =>
        el("span", { class: "node-problem" }, `${problem.severity}: ${problem.message}`),
      ),
    );
    const item = el("li", {}, box);
    if (node.children.length) item.append(el("ul", {}, node.children.map(mapNode)));
    return item;
  }

  function drawMap() {
    const code = $("map-lang").value;
    const language = mapData.languages.find((l) => l.code === code) || mapData.languages[0];
    // "draft" means something else for the language the others are translated from.
    const source = language.code === mapData.default_language;
    $("legend-draft").textContent = source
      ? "not yet checked against the city's statement"
      : "not yet checked by a human translator";
    $("legend-approved").textContent = source
      ? "approved by the city against the statement, as it reads now"
      : "approved by a human translator, as it reads now";
    const keys = mapData.keys;
    $("map-keys").textContent =
      `In every menu: ${keys.office} the Mayor's office, ${keys.repeat} repeat, ` +
      `${keys.back} back, ${keys.main_menu} main menu.`;
    // The picture sits apart from the list: its boxes are drawn by the server, not styled here.
    $("map-picture").replaceChildren(
      language.svg
        ? el(
            "details",
            { class: "tree-picture" },
            el("summary", {}, "As a picture, coloured by the last 30 days' use (the same as hotline map --format svg)"),
            svgPicture(language.svg),
          )
        : "",
    );
    const tree = $("map-tree");
    tree.setAttribute("lang", language.code);
    tree.replaceChildren(
      el("ul", { "aria-label": `Menu tree in ${language.name}` }, mapNode(language.tree)),
      el(
        "details",
        {},
        el("summary", {}, "As a Mermaid diagram, to paste into a document"),
        el("pre", {}, el("code", {}, language.mermaid)),
      ),
    );
  }

  async function loadMap() {
    try {
      mapData = await api("api/map");
    } catch (error) {
      $("map-tree").replaceChildren(el("p", { class: "rejected" }, `Problem: ${error.message}`));
      return;
    }
    const select = $("map-lang");
    const chosen = select.value;
    select.replaceChildren(
      ...mapData.languages.map((l) => el("option", { value: l.code }, `${l.name} (${l.code})`)),
    );
    if (chosen) select.value = chosen;
    drawMap();
  }

  // Problems ----------------------------------------------------------------------------------

  function problemItem(problem) {
    const where = problem.line ? `${problem.file}:${problem.line}` : problem.file;
    const place = problem.link
      ? el("a", { href: `source/${problem.link}#L${problem.line}` }, where)
      : el("span", {}, where);
    return el(
      "li",
      { class: problem.severity },
      el("span", { class: `badge ${problem.severity}` }, problem.severity),
      " ",
      place,
      `: ${problem.message}`,
      problem.hint ? el("span", { class: "meta" }, `Hint: ${problem.hint}`) : null,
    );
  }

  // A problem in a file the draft changed: its lines as drafted, shown here (the file's link
  // would open the published text, which does not have the draft's words).
  function draftFileProblem(problem, text) {
    const item = problemItem({ ...problem, link: null });
    const lines = text.split("\n");
    const first = Math.max(1, problem.line - 2);
    const last = Math.min(lines.length, problem.line + 2);
    const excerpt = [];
    for (let number = first; number <= last; number += 1) {
      excerpt.push(
        el(
          "span",
          { class: number === problem.line ? "line problem-line" : "line" },
          el("span", { class: "number", "aria-hidden": "true" }, String(number)),
          lines[number - 1],
        ),
      );
    }
    if (problem.line) {
      item.append(
        el(
          "details",
          { class: "draft-lines" },
          el("summary", {}, `Line ${problem.line} of ${problem.file} in your draft`),
          el("pre", {}, excerpt),
        ),
      );
    }
    return item;
  }

  function rejectedEdit(rejected, version) {
    const errors = rejected.problems.filter((p) => p.severity === "error");
    return el(
      "div",
      { class: "rejected", id: "rejected-edit" },
      el(
        "p",
        {},
        el("strong", {}, "A newer edit was rejected. "),
        `It has ${rejected.errors} error(s), so the line still serves version ${version}. ` +
          "Fix these and save again:",
      ),
      el("ul", { class: "problems" }, errors.map(problemItem)),
    );
  }

  async function loadProblems() {
    let data;
    try {
      data = await api("api/problems");
    } catch (error) {
      $("problems-summary").textContent = `Problem: ${error.message}`;
      return;
    }
    const rejected = data.rejected;
    $("problems-summary").textContent =
      (rejected ? "A newer edit was rejected. " : "") +
      `Content in use (version ${data.version}): ${data.errors} error(s), ` +
      `${data.warnings} warning(s).`;
    $("reload-status").replaceChildren(
      rejected
        ? rejectedEdit(rejected, data.version)
        : el("p", { class: "help" }, "The line serves the latest saved content."),
    );
    $("problems-list").replaceChildren(
      ...(data.problems.length ? data.problems.map(problemItem) : [el("li", { class: "none" }, "None.")]),
    );
  }

  // Usage -------------------------------------------------------------------------------------

  function svg(tag, attrs = {}, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function barChart(id, title, rows) {
    // Each row: its label on a line of its own, then the bar and its count, so long titles fit.
    const width = 400;
    const rowHeight = 40;
    const max = Math.max(1, ...rows.map((r) => r.count));
    const chart = svg("svg", {
      viewBox: `0 0 ${width} ${rows.length * rowHeight + 4}`,
      role: "img",
      "aria-labelledby": `${id}-title`,
    });
    chart.append(svg("title", { id: `${id}-title` }, title));
    rows.forEach((row, index) => {
      const y = index * rowHeight;
      const barWidth = Math.max(2, ((width - 60) * row.count) / max);
      chart.append(svg("text", { x: 0, y: y + 14 }, row.label));
      chart.append(svg("rect", { class: "bar", x: 0, y: y + 20, width: barWidth, height: 14 }));
      chart.append(svg("text", { x: barWidth + 6, y: y + 32 }, String(row.count)));
    });
    const table = el(
      "table",
      {},
      el("caption", { class: "visually-hidden" }, title),
      el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Item"), el("th", { scope: "col" }, "Count"))),
      el("tbody", {}, rows.map((r) => el("tr", {}, el("td", {}, r.label), el("td", {}, String(r.count))))),
    );
    return el(
      "figure",
      { class: "chart" },
      el("figcaption", {}, el("strong", {}, title)),
      chart,
      el("details", {}, el("summary", {}, "Show as a table"), table),
    );
  }

  const SERIES_TITLES = {
    topic: "Visits per menu item",
    language: "Conversations per language",
    channel: "Use per channel",
    day: "Use per day",
  };

  async function loadUsage() {
    const holder = $("usage-charts");
    let data;
    try {
      data = await api("api/usage");
    } catch (error) {
      holder.replaceChildren(el("p", { class: "rejected" }, `Problem: ${error.message}`));
      return;
    }
    if (!data.available) {
      holder.replaceChildren(el("p", { class: "help" }, `No usage figures: ${data.reason}.`));
      return;
    }
    const charts = Object.entries(data.series)
      .filter(([, rows]) => rows.length)
      .map(([name, rows]) => barChart(`usage-${name}`, SERIES_TITLES[name] || name, rows));
    holder.replaceChildren(...(charts.length ? charts : [el("p", { class: "help" }, "No use counted yet.")]));
  }

  // Drafts --------------------------------------------------------------------------------------

  // The browser holds the draft: a list of {file, path, value}, kept across reloads of the page.
  const DRAFT_KEY = "hotline-staff-draft";
  let lastDraft = null;
  let editing = null;

  function draftEdits() {
    try {
      const edits = JSON.parse(localStorage.getItem(DRAFT_KEY) || "[]");
      return Array.isArray(edits) ? edits : [];
    } catch {
      return [];
    }
  }

  function setDraftEdits(edits) {
    if (edits.length) localStorage.setItem(DRAFT_KEY, JSON.stringify(edits));
    else localStorage.removeItem(DRAFT_KEY);
  }

  function triedEdits() {
    return $("draft-try").checked ? draftEdits() : [];
  }

  const sameValue = (edit, file, path) =>
    edit.file === file && edit.path.length === path.length && edit.path.every((p, i) => p === path[i]);

  function findNode(tree, id) {
    if (tree.id === id) return tree;
    for (const child of tree.children) {
      const found = findNode(child, id);
      if (found) return found;
    }
    return null;
  }

  const FIELD_LABELS = {
    title: "Title (title)",
    intro: "What the caller hears first (intro)",
    voice: "What the caller hears (voice)",
    text: "What a texter reads (text)",
  };

  function openEditor(id) {
    const code = $("map-lang").value;
    const language = mapData.languages.find((l) => l.code === code) || mapData.languages[0];
    const node = findNode(language.tree, id);
    if (!node || !node.edit) return;
    editing = node.edit;
    const edits = draftEdits();
    $("draft-editing").textContent = `Editing ${node.title || node.id} (${node.kind} ${node.id}) in ${language.name}, ${node.edit.file}`;
    $("draft-fields").replaceChildren(
      ...node.edit.fields.map(({ name, value: published }) => {
        const path = [...node.edit.path, name];
        const edit = edits.find((e) => sameValue(e, node.edit.file, path));
        const id = `draft-field-${name}`;
        return el(
          "p",
          { class: "field" },
          el("label", { for: id }, FIELD_LABELS[name] || name),
          el("textarea", { id, name, rows: name === "title" ? 1 : 4, lang: language.code, "data-published": published }, edit ? edit.value : published),
        );
      }),
    );
    $("draft-editor").hidden = false;
    document.getElementById("draft").scrollIntoView({ block: "start" });
    const first = $("draft-fields").querySelector("textarea");
    if (first) first.focus();
  }

  function applyEditor(event) {
    event.preventDefault();
    if (!editing) return;
    let edits = draftEdits();
    for (const area of $("draft-fields").querySelectorAll("textarea")) {
      const path = [...editing.path, area.name];
      edits = edits.filter((e) => !sameValue(e, editing.file, path));
      // A text set back to what is published is no longer part of the draft.
      if (area.value !== area.dataset.published) edits.push({ file: editing.file, path, value: area.value });
    }
    setDraftEdits(edits);
    endCallForNewContent();
    checkDraft();
    if (mapData) drawMap();
  }

  function endCallForNewContent() {
    // A call follows one version of the content; a changed draft starts a new one.
    if (callState) {
      hangUp();
      heard("event", "The draft changed: call again to hear it.");
    }
  }

  function download(name, text, type) {
    const link = el("a", { href: URL.createObjectURL(new Blob([text], { type })), download: name });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  }

  function draftProblem(problem) {
    return el(
      "li",
      { class: "error" },
      el("span", { class: "badge error" }, "error"),
      ` ${problem.file} (${problem.path}): ${problem.message}`,
    );
  }

  function showDraft(data) {
    lastDraft = data;
    const edits = draftEdits();
    const has = edits.length > 0;
    for (const note of document.querySelectorAll(".draft-note")) note.hidden = !(has && $("draft-try").checked);
    $("draft-status").textContent = has
      ? `Your draft has ${edits.length} edit(s) in ${data ? data.changed.join(", ") || "no file" : "…"}.` +
        ($("draft-try").checked ? " The simulators use it." : " The simulators use the published content.")
      : "No draft: the simulators use the published content.";
    const changed = Boolean(data && data.changed.length);
    $("draft-download").disabled = !changed;
    $("draft-download-diff").disabled = !changed;
    $("draft-discard").disabled = !has;
    const save = $("draft-save");
    if (save) save.disabled = !changed || Boolean(data && data.errors);
    if (!data || !has) {
      $("draft-summary").textContent = "No draft.";
      $("draft-problems").replaceChildren();
      $("draft-diff").textContent = "";
      return;
    }
    $("draft-summary").textContent = `The draft: ${data.errors} error(s), ${data.warnings} warning(s).` +
      (data.errors ? " Fix the errors to try it in the simulators or save it." : "");
    const items = [
      ...data.edit_problems.map(draftProblem),
      ...data.problems.map((problem) =>
        problem.file in data.files ? draftFileProblem(problem, data.files[problem.file]) : problemItem(problem),
      ),
    ];
    $("draft-problems").replaceChildren(...(items.length ? items : [el("li", { class: "none" }, "None.")]));
    $("draft-diff").textContent = data.diff;
  }

  async function checkDraft() {
    const edits = draftEdits();
    if (!edits.length) return showDraft(null);
    try {
      showDraft(await api("api/draft", { edits }));
    } catch (error) {
      $("draft-summary").textContent = `Problem: ${error.message}`;
    }
  }

  async function saveDraft() {
    const status = $("draft-save-status");
    status.textContent = "Saving…";
    try {
      const data = await api("api/draft/save", { edits: draftEdits() });
      status.textContent = `Saved ${data.saved.join(", ")}. The line serves it after its next reload (a few seconds).`;
      setDraftEdits([]);
      if ($("draft-editor").hidden === false) $("draft-editor").hidden = true;
      showDraft(null);
      setTimeout(() => {
        loadMap();
        loadProblems();
      }, 500);
    } catch (error) {
      status.textContent = `Not saved: ${error.message}`;
    }
  }

  function setUpDraft() {
    $("draft-editor").addEventListener("submit", applyEditor);
    $("draft-close").addEventListener("click", () => {
      $("draft-editor").hidden = true;
      editing = null;
    });
    $("map-tree").addEventListener("click", (event) => {
      const button = event.target.closest("button.edit");
      if (button) openEditor(button.dataset.node);
    });
    $("draft-try").addEventListener("change", () => {
      endCallForNewContent();
      showDraft(lastDraft);
    });
    $("draft-download").addEventListener("click", () => {
      for (const [name, text] of Object.entries(lastDraft.files)) {
        download(name.split("/").pop(), text, "application/yaml");
      }
    });
    $("draft-download-diff").addEventListener("click", () => download("draft.diff", lastDraft.diff, "text/x-diff"));
    $("draft-discard").addEventListener("click", () => {
      setDraftEdits([]);
      endCallForNewContent();
      $("draft-editor").hidden = true;
      $("draft-save-status").textContent = "The draft was thrown away.";
      showDraft(null);
      if (mapData) drawMap();
    });
    const save = $("draft-save");
    if (save) save.addEventListener("click", saveDraft);
    checkDraft();
  }

  function svgPicture(markup) {
    // The server draws the SVG; parse it as an image document, never as HTML.
    const parsed = new DOMParser().parseFromString(markup, "image/svg+xml").documentElement;
    return parsed.nodeName === "svg" ? document.importNode(parsed, true) : el("p", {}, "");
  }

  document.addEventListener("DOMContentLoaded", () => {
    setUpDraft();
    setUpPhone();
    setUpText();
    $("map-lang").addEventListener("change", drawMap);
    $("usage-refresh").addEventListener("click", loadUsage);
    $("problems-refresh").addEventListener("click", () => {
      loadProblems();
      loadMap();
    });
    loadMap();
    loadProblems();
    loadUsage();
  });
})();
