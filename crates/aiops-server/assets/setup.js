// First-admin setup: the token travels in the URL fragment (never sent to the server in
// a request line or Referer) and is posted once to /api/v1/auth/setup.
const token = new URLSearchParams(location.hash.slice(1)).get("token") || "";
const form = document.getElementById("setup");
const message = document.getElementById("message");
if (!token) {
  message.textContent = "This link has no setup token. Use the URL aiops serve printed.";
  message.className = "error";
}
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const data = new FormData(form);
  message.className = "";
  message.textContent = "Creating…";
  const res = await fetch("/api/v1/auth/setup", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    credentials: "same-origin",
    body: JSON.stringify({
      token,
      email: data.get("email"),
      name: data.get("name") || null,
      password: data.get("password"),
    }),
  });
  if (res.ok) {
    history.replaceState(null, "", "/setup");
    message.textContent = "Admin created and signed in. The setup link no longer works.";
    form.querySelector("button").disabled = true;
  } else {
    const body = await res.json().catch(() => null);
    message.className = "error";
    message.textContent = body?.error?.message || `Setup failed (${res.status}).`;
  }
});
