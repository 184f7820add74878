# Run by scripts/develop inside the Python 3.14 environment: simulator and Home Assistant.
set -eu
venv=$1
ha_port=$2
sim_port=$3
token=$("$venv/bin/python" -c 'from tests.simulator import DEMO_TOKEN; print(DEMO_TOKEN)')
"$venv/bin/python" -m tests.simulator --host 127.0.0.1 --port "$sim_port" &
sim_pid=$!
trap 'kill $sim_pid 2>/dev/null || true' EXIT INT TERM
cat <<MSG

  SMS.dk simulator:  http://127.0.0.1:${sim_port}
  Home Assistant:    http://127.0.0.1:${ha_port}   (ready after about 10 seconds on later runs)

  1. Open Home Assistant and finish onboarding (the first time only).
  2. Settings > Devices & services > Add integration > SMS.dk
  3. API token: ${token}

  The integration talks to the simulator because SMS_DK_API_URL is set for this Home Assistant.
  Ctrl+C stops both.

MSG
SMS_DK_API_URL="http://127.0.0.1:${sim_port}" "$venv/bin/hass" --config config
