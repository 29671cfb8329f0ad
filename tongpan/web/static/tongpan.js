// The web workplace's only script: live job progress by polling, and confirmation of dangerous buttons.
// Pages work without it (forms post normally; the job page can be reloaded by hand).
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }
  const job = document.querySelector("[data-job-status]");
  if (job) follow(job);
});

function follow(box) {
  const url = box.dataset.jobStatus;
  const set = (name, value) => { const el = box.querySelector(`[data-field="${name}"]`); if (el) el.textContent = value; };
  const tick = async () => {
    let job;
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok) throw new Error(String(response.status));
      job = await response.json();
    } catch (error) {
      set("message", "无法读取任务状态，稍后重试…");
      window.setTimeout(tick, 3000);
      return;
    }
    set("state", job.state_label); set("phase", job.phase_label); set("message", job.message);
    set("objective", job.objective ?? "—"); set("elapsed", job.elapsed ?? "—");
    const bar = box.querySelector(".progress > div");
    if (bar) bar.style.width = `${Math.round(job.progress * 100)}%`;
    box.dataset.state = job.state;
    if (job.finished) {
      const done = box.querySelector("[data-when-finished]");
      if (done) { done.hidden = false; if (job.plan_href) done.querySelector("a").href = job.plan_href; }
      return;
    }
    window.setTimeout(tick, 1000);
  };
  tick();
}
