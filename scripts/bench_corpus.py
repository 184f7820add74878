"""Texts a Home Assistant sends by SMS, in Danish and English, for scripts/bench.

They are what automations and templates really produce: alarms, the doorbell, the freezer, the
washing machine, a door left open, a low battery, with template values ("21.5°C", "12 %"),
typographic quotes and dashes, ellipses, a few emoji, Danish letters and some long texts that
take several parts. Each has a short name, shown when the benchmark finds something to report.
"""

# The texts are about typographic characters, so they spell them out.
# ruff: noqa: RUF001

from __future__ import annotations

from typing import Final

_DA_LONG_ALARM = (
    "ALARM – indbrud: Vinduessensoren “Stue, mod haven” meldte åben kl. 02:14, mens alarmen var "
    "slået til i nattilstand. Kameraet ved terrassedøren har gemt 3 billeder, og lyset i entréen "
    "og køkkenet er tændt automatisk. Sirenen stopper efter 5 minutter. Er det dig selv eller en "
    "anden i familien, så slå alarmen fra i appen eller på panelet ved hoveddøren… Er du i tvivl, "
    "så ring til vagtcentralen på 70 20 30 40, før du går ind i huset."
)

_DA_LONG_NIGHT = (
    "Godnat-rapport kl. 22:30\n"
    "Alle døre er låst, undtagen “Bryggers” (åben i 12 min.).\n"
    "Temperatur: stue 21.5°C, soveværelse 18.2°C, kælder 14.9°C, ude 3.1°C.\n"
    "Fryser: -19.4°C – OK. Køleskab: 4.8°C – OK.\n"
    "Batterier under 20 %: røgalarm på loftet (15 %), dørsensor i garagen (8 %).\n"
    "Vaskemaskinen blev færdig kl. 21:12 – tøjet ligger stadig i den…\n"
    "Strømforbrug i dag: 14,6 kWh (3,45 kr./kWh i snit)."
)

_DA_LONG_PLAIN = (
    "Husk i morgen: Skraldebilen kommer mellem kl. 6 og 12, så spandene skal stilles ud i aften. "
    "Opvaskemaskinen er sat til at starte kl. 2, hvor strømmen er billigst, og bilen lader fra "
    "kl. 1 til kl. 5. Varmen i huset sænkes til 19 grader fra kl. 23."
)

_EN_LONG_ALERT = (
    "SECURITY ALERT – “Back door” opened at 02:14 while the alarm was armed (away mode). The "
    "hallway camera recorded a 30 s clip and the outdoor lights were switched on. The siren "
    "will sound in 45 seconds unless the alarm is disarmed… If this is you, disarm it in the "
    "app or at the keypad. If not, call the monitoring centre on +45 70 20 30 40 – do not go "
    "inside on your own."
)

_EN_LONG_SUMMARY = (
    "Daily summary for 14 Nov\n"
    "Outside: high 9.5°C, low 2.1°C, rain 4.2 mm.\n"
    "Inside: living room 21.4°C, bedroom 18.0°C, basement 15.3°C.\n"
    "Energy: 18.6 kWh used, 7.2 kWh from the solar panels, 11.4 kWh bought at €0.29/kWh.\n"
    "The washing machine ran twice; the dryer once (1 h 12 min).\n"
    "Doors: the garage door was left open for 38 minutes at 17:05 – closed automatically.\n"
    "Batteries: “Hallway motion” 9 %, “Front door lock” 22 %.\n"
    "Nothing else to report… have a good evening!"
)

_EN_LONG_PLAIN = (
    "Reminder: the boiler service is booked for Thursday between 08:00 and 10:00. Please make "
    "sure the utility room is accessible and the dog is in the garden. The technician will call "
    "30 minutes before arriving. Reply to this number if the time does not suit you."
)

CORPUS: Final[tuple[tuple[str, str], ...]] = (
    # Danish
    ("da-alarm", "Alarm: Bevægelse registreret i stuen kl. 02:14. Alarmen er slået til."),
    ("da-doorbell", "Dørklokken ringer – der står nogen ved hoveddøren."),
    ("da-freezer", "Fryseren i kælderen er for varm: -12.5°C (grænse -18°C)."),
    ("da-washer-emoji", "Vaskemaskinen er færdig ✅ Husk at tømme den."),
    ("da-dishwasher", "Opvaskemaskinen er færdig efter 2 t 14 min."),
    ("da-door-open", "Hoveddøren har stået åben i 10 minutter."),
    ("da-garage-ellipsis", "Garageporten er stadig åben… klokken er 23:00."),
    ("da-battery", "Batteriet i røgalarmen på badeværelset er lavt (12 %)."),
    ("da-battery-quotes", "Lavt batteri: “Bevægelsessensor køkken” har 8 % tilbage."),
    ("da-smoke-emoji", "🔥 Røgalarm i køkkenet! Ring 112, hvis det brænder."),
    ("da-climate", "Temperaturen i stuen er 25,3°C og luftfugtigheden 61 %."),
    ("da-price", "Strømprisen er 3,45 kr./kWh lige nu – vent med opvasken til efter kl. 21."),
    ("da-mailbox", "Postkassen er blevet åbnet kl. 11:42."),
    ("da-leak", "Vandlæk under køkkenvasken! Hovedhanen er lukket automatisk."),
    ("da-dryer", "Tørretumbleren er færdig. Tøjet er klar til at blive foldet."),
    ("da-weather-emoji", "God morgen! I dag bliver det 14°C og regn – husk paraply ☔"),
    ("da-home", "Mor er kommet hjem (kl. 17:05)."),
    ("da-car", "Bilen er ladet op til 80 % – 312 km rækkevidde."),
    ("da-heatpump", "Varmepumpen melder fejl “E5: lavt tryk”. Kontakt installatøren."),
    ("da-solar", "Solcellerne har produceret 18,6 kWh i dag; 7,2 kWh er solgt til nettet."),
    ("da-bins", "Husk: Skraldespanden skal stilles ud i aften – tømning i morgen kl. 06–12."),
    ("da-window", "Vinduet i soveværelset står åbent, og det er 2°C udenfor."),
    ("da-fridge", "Køleskabsdøren har stået åben i 3 minutter…"),
    ("da-driveway", "Ukendt person ved indkørslen kl. 03:27. Se billedet i appen."),
    ("da-euro", "Elprisen er 0,29 €/kWh i den billigste time (kl. 03–04)."),
    ("da-co2", "Luftkvaliteten i børneværelset er dårlig: CO₂ 1.450 ppm. Luft ud."),
    ("da-lock", "Hoveddøren er låst op med kode #3 (Far)."),
    ("da-title", "Fryser\nTemperaturen er steget til -9.8°C. Døren står måske åben?"),
    ("da-nbsp", "Forbrug denne måned: 1\u00a0234 kWh (sidste måned 1\u00a0180 kWh)."),
    ("da-climate-dot", "Temperatur ude: 21.5°C, inde: 22.8°C, fugt: 45 %."),
    ("da-long-alarm", _DA_LONG_ALARM),
    ("da-long-night", _DA_LONG_NIGHT),
    ("da-long-plain", _DA_LONG_PLAIN),
    # English
    ("en-alarm", "ALARM: Motion detected in the living room at 02:14 while armed away."),
    ("en-doorbell-emoji", "Someone’s at the front door 🔔"),
    ("en-freezer", "Freezer temperature is -12.5°C – that’s above the -18°C limit!"),
    ("en-washer", "The washing machine is done. Don’t forget to empty it."),
    ("en-door-open", "The back door has been open for 15 minutes."),
    ("en-battery-quotes", "Battery low: “Hallway motion sensor” is at 9%."),
    ("en-leak", "Water leak detected under the dishwasher! Main valve closed."),
    ("en-smoke-emoji", "Smoke detected in the kitchen 🚨 Call 112 if there is a fire."),
    ("en-garage-ellipsis", "Garage door is still open… it’s 23:00."),
    ("en-dryer", "Dryer finished — 1 h 12 min, 1.8 kWh used."),
    ("en-weather", "Good morning! Today: 14°C, rain likely (80%). Bring an umbrella."),
    ("en-car", "Car charged to 80% – 312 km range. Unplug before 07:30."),
    ("en-lock", "The front door was unlocked with code #3 by ‘Guest’."),
    ("en-power", "Power outage at 04:12. UPS battery: 64% (approx. 38 min left)."),
    ("en-bins", "Reminder: bins go out tonight – collection tomorrow 06:00–12:00."),
    ("en-fridge", "Fridge door left open for 3 minutes…"),
    ("en-frost-emoji", "Temperature in the greenhouse dropped to 1.5°C ❄️"),
    ("en-heatpump", "Heat pump error “E5: low pressure”. Please contact the installer."),
    ("en-parcel", "Your parcel has been delivered to the porch at 14:08."),
    ("en-price", "Energy price now: €0.32/kWh — cheapest hour is 03:00–04:00 at €0.11/kWh."),
    ("en-window", "Window in the bedroom is open and it is 2°C outside."),
    ("en-humidity", "Humidity in the bathroom is 85% – turn on the fan."),
    ("en-sump", "Basement sump pump has run 14 times in the last hour."),
    ("en-restart", "Home Assistant restarted at 03:05 after an update (2026.10.4)."),
    ("en-wifi", "Guest Wi-Fi: network “Gæst”, password “sommer2026”."),
    ("en-title", "Washing machine\nDone after 1 h 38 min. Energy used: 0.9 kWh."),
    ("en-long-alert", _EN_LONG_ALERT),
    ("en-long-summary", _EN_LONG_SUMMARY),
    ("en-long-plain", _EN_LONG_PLAIN),
)
