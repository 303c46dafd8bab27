// Copies the static files next to the compiled modules: ui/dist is what the app embeds
// (tauri.conf.json build.frontendDist) and what the browser tests serve.
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ui = join(dirname(fileURLToPath(import.meta.url)), "..");
mkdirSync(join(ui, "dist"), { recursive: true });
for (const f of ["index.html", "styles.css"]) {
  copyFileSync(join(ui, f), join(ui, "dist", f));
}
