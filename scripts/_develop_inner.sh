# Run by scripts/develop inside the Python 3.14 environment: simulator and Home Assistant.
set -eu
venv=$1
ha_port=$2
sim_port=$3
# Earlier versions of scripts/develop chose the port with an `http:` block in configuration.yaml.
# Home Assistant 2026.11 moves such a block into its storage as a trial that it reverts (with a
# restart) after 5 minutes unless confirmed, and raises a repair about the YAML. Remove that block,
# and the HTTP settings that were stored from it, so that SETUP_PORT chooses the port again; then
# read the port Home Assistant keeps in its storage (the one of its first start on ./config).
port=$("$venv/bin/python" - "$ha_port" <<'PY'
import json
from pathlib import Path
import re
import sys

wanted = int(sys.argv[1])
yaml = Path("config/configuration.yaml")
store = Path("config/.storage/http")
text = yaml.read_text(encoding="utf-8")
cleaned = re.sub(r"^http:\n  server_port: [0-9]+\n\n?", "", text, flags=re.MULTILINE)
if cleaned != text:
    yaml.write_text(cleaned, encoding="utf-8")
    store.unlink(missing_ok=True)
    print("Removed the http: block an earlier scripts/develop wrote.", file=sys.stderr)
try:
    data = json.loads(store.read_text(encoding="utf-8"))["data"]
    pending = data.get("pending")
    port = (pending if pending and not pending.get("error") else data["stable"])["server_port"]
except (OSError, ValueError, KeyError, TypeError):
    port = wanted  # a new ./config: Home Assistant takes SETUP_PORT
if port != wanted:
    print(
        f"Home Assistant keeps port {port} for this ./config (HA_PORT={wanted} applies to a new"
        " one): change it under Settings > System > Network, or delete ./config.",
        file=sys.stderr,
    )
print(port)
PY
)
token=$("$venv/bin/python" -c 'from tests.simulator import DEMO_TOKEN; print(DEMO_TOKEN)')
"$venv/bin/python" -m tests.simulator --host 127.0.0.1 --port "$sim_port" &
sim_pid=$!
trap 'kill $sim_pid 2>/dev/null || true' EXIT INT TERM
cat <<MSG

  SMS.dk simulator:  http://127.0.0.1:${sim_port}
  Home Assistant:    http://127.0.0.1:${port}   (ready after about 10 seconds on later runs)

  1. Open Home Assistant and finish onboarding (the first time only).
  2. Settings > Devices & services > Add integration > SMS.dk
  3. API token: ${token}

  The integration talks to the simulator because SMS_DK_API_URL is set for this Home Assistant.
  Ctrl+C stops both.

MSG
SETUP_PORT="$ha_port" SMS_DK_API_URL="http://127.0.0.1:${sim_port}" "$venv/bin/hass" --config config
