// The dashboard: a page per hash route, the live status stream, the theme and the token.
import { checkToken, hasToken, isTokenRequired, onAccessChange, setToken, setTokenRequired } from "./api";
import { retheme } from "./charts";
import { h, replace } from "./dom";
import { onLive, startLive } from "./live";
import { renderAlgorithms } from "./pages/algorithms";
import { renderDeployment } from "./pages/deployment";
import { renderLogs } from "./pages/logs";
import { renderMarket } from "./pages/market";
import { renderOverview } from "./pages/overview";
import { renderScreener } from "./pages/screener";

// A page draws itself into `main` and returns what to undo when the page is left.
export type Page = (main: HTMLElement, args: string[], query: URLSearchParams) => () => void;

const pages: { path: string; title: string; render: Page; nav: boolean }[] = [
  { path: "overview", title: "Overview", render: renderOverview, nav: true },
  { path: "deployment", title: "Deployment", render: renderDeployment, nav: false },
  { path: "market", title: "Market", render: renderMarket, nav: true },
  { path: "screener", title: "Screener", render: renderScreener, nav: true },
  { path: "algorithms", title: "Algorithms", render: renderAlgorithms, nav: true },
  { path: "logs", title: "Logs", render: renderLogs, nav: true },
];

let leave: (() => void) | null = null;

function route(): void {
  const hash = location.hash.replace(/^#\/?/, "");
  const [pathPart, queryPart = ""] = hash.split("?");
  const [name, ...args] = pathPart.split("/").filter(Boolean).map(decodeURIComponent);
  const page = pages.find((p) => p.path === name) ?? pages[0];
  leave?.();
  const main = document.getElementById("main") as HTMLElement;
  main.replaceChildren();
  document.title = `${page.title} · tradecluster`;
  document.querySelectorAll<HTMLAnchorElement>("#nav a").forEach((a) => {
    if (a.dataset.page === page.path || (page.path === "deployment" && a.dataset.page === "overview")) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  });
  leave = page.render(main, args, new URLSearchParams(queryPart));
}

function setupTheme(): void {
  const stored = localStorage.getItem("tradecluster.theme");
  const prefersLight = window.matchMedia("(prefers-color-scheme: light)").matches;
  const apply = (theme: string) => {
    document.documentElement.dataset.theme = theme;
    const button = document.getElementById("theme") as HTMLButtonElement;
    button.textContent = theme === "dark" ? "Light theme" : "Dark theme";
    retheme();
  };
  apply(stored ?? (prefersLight ? "light" : "dark"));
  document.getElementById("theme")?.addEventListener("click", () => {
    const next = document.documentElement.dataset.theme === "dark" ? "light" : "dark";
    localStorage.setItem("tradecluster.theme", next);
    apply(next);
  });
}

function setupToken(): void {
  const button = document.getElementById("token") as HTMLButtonElement;
  const dialog = document.getElementById("token-dialog") as HTMLDialogElement;
  const form = document.getElementById("token-form") as HTMLFormElement;
  const input = document.getElementById("token-input") as HTMLInputElement;
  const error = document.getElementById("token-error") as HTMLElement;
  let asked = false;
  const refresh = () => {
    button.hidden = !isTokenRequired();
    button.textContent = hasToken() ? "Sign out" : "Sign in";
    document.body.classList.toggle("read-only", isTokenRequired() && !hasToken());
  };
  onAccessChange(refresh);
  button.addEventListener("click", () => {
    if (hasToken()) setToken("");
    else dialog.showModal();
  });
  document.getElementById("token-cancel")?.addEventListener("click", () => dialog.close());
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (await checkToken(input.value)) {
      setToken(input.value);
      input.value = "";
      error.textContent = "";
      dialog.close();
    } else {
      error.textContent = "That token was refused.";
    }
  });
  onLive((e) => {
    setTokenRequired(e.status.token_required);
    // Asked once per visit, when the node needs a token and the page has none.
    if (e.status.token_required && !hasToken() && !asked) {
      asked = true;
      dialog.showModal();
    }
  });
  refresh();
}

function boot(): void {
  const nav = document.getElementById("nav") as HTMLElement;
  replace(nav, pages.filter((p) => p.nav).map((p) => h("a", { href: `#/${p.path}`, "data-page": p.path }, p.title)));
  setupTheme();
  setupToken();
  startLive();
  window.addEventListener("hashchange", route);
  route();
}

boot();
