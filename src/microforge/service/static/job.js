// Job page: poll the JSON API, update each target's status, open the results when the job is finished.
(function () {
  const el = document.getElementById("job");
  if (!el) return;
  const id = el.dataset.id;
  async function poll() {
    try {
      const r = await fetch("/api/jobs/" + encodeURIComponent(id), {cache: "no-store"});
      if (r.ok) {
        const job = await r.json();
        const js = document.getElementById("job-status");
        js.textContent = job.status;
        js.className = "status " + job.status;
        for (const row of document.querySelectorAll("#targets tbody tr")) {
          const t = job.targets.find((x) => x.target === row.dataset.target);
          if (!t) continue;
          const cell = row.querySelector(".status");
          cell.textContent = t.status;
          cell.className = "status " + t.status;
          row.querySelector(".note").textContent = t.error || (t.cached ? "from the result cache" : "");
        }
        if (job.status === "done" || job.status === "failed") {
          window.location.assign("/jobs/" + encodeURIComponent(id) + "/result");
          return;
        }
      }
    } catch (e) { /* server busy or restarting: try again */ }
    setTimeout(poll, 700);
  }
  poll();
})();
