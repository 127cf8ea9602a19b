"""The [mqtt] section: defaults, the secret's four ways, and one-line errors by key."""

from __future__ import annotations

from pathlib import Path

import pytest

from syncd.config.loader import parse_config
from syncd.config.sample import render_values
from syncd.errors import ConfigError


def load(text: str, env: dict[str, str] | None = None):
    return parse_config(text, "config.toml", base_dir=Path("/etc/syncd"), env=env or {})


def error_of(text: str, env: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as info:
        load(text, env)
    assert "\n" not in str(info.value)
    return str(info.value)


def test_no_section_means_no_mqtt():
    assert load("").mqtt is None


def test_defaults_follow_home_assistant():
    m = load('[mqtt]\nhost = "broker.lan"\n').mqtt
    assert m is not None
    assert (m.host, m.port, m.tls, m.discovery_prefix, m.base_topic) == (
        "broker.lan", 1883, False, "homeassistant", "syncd")
    assert m.username is None and m.password is None and m.ca_file is None


def test_tls_moves_the_default_port_and_a_relative_ca_file_is_beside_the_config():
    m = load('[mqtt]\nhost = "b"\ntls = true\nca_file = "ca.pem"\n').mqtt
    assert m is not None and m.port == 8883 and m.ca_file == Path("/etc/syncd/ca.pem")
    assert load('[mqtt]\nhost = "b"\ntls = true\nport = 9999\n').mqtt.port == 9999


@pytest.mark.parametrize("line, env, expected", [
    ('password = "pw"', {}, "pw"),
    ('password_env = "MQTT_PW"', {"MQTT_PW": "from-env"}, "from-env"),
    ('password_command = "echo from-command"', {}, "from-command"),
])
def test_the_password_comes_any_way_a_secret_does(line, env, expected):
    m = load(f'[mqtt]\nhost = "b"\nusername = "syncd"\n{line}\n', env).mqtt
    assert m is not None and m.password is not None and m.password.value == expected
    assert expected not in repr(m)


def test_the_password_from_a_systemd_credential(tmp_path):
    (tmp_path / "mqtt").write_text("from-credential\n")
    m = load('[mqtt]\nhost = "b"\npassword_credential = "mqtt"\n',
             {"CREDENTIALS_DIRECTORY": str(tmp_path)}).mqtt
    assert m is not None and m.password is not None and m.password.value == "from-credential"


def test_the_printed_config_masks_the_password():
    c = load('[mqtt]\nhost = "b"\npassword = "hunter2"\n')
    text = render_values(c.values)
    assert "hunter2" not in text and 'password = "********"' in text


def test_two_ways_for_one_password_is_an_error():
    assert "at 'mqtt.password_env': expected one way to give the secret" in error_of(
        '[mqtt]\nhost = "b"\npassword = "x"\npassword_env = "Y"\n', {"Y": "y"})


def test_settings_without_a_host_are_an_error():
    assert error_of('[mqtt]\nusername = "syncd"\n') == (
        "config.toml: at 'mqtt.host': expected the broker's host: the [mqtt] section is set "
        "but has no host")


@pytest.mark.parametrize("key, value", [("base_topic", "syncd/#"), ("base_topic", "/syncd"),
                                        ("discovery_prefix", "home+assistant"),
                                        ("discovery_prefix", "ha/")])
def test_topics_with_wildcards_or_stray_slashes_are_refused(key, value):
    msg = error_of(f'[mqtt]\nhost = "b"\n{key} = "{value}"\n')
    assert msg.startswith(f"config.toml: at 'mqtt.{key}': expected an MQTT topic without")


def test_a_bad_port_names_the_key():
    assert "at 'mqtt.port': expected a whole number from 1 to 65535, got 0" in error_of(
        '[mqtt]\nhost = "b"\nport = 0\n')


def test_the_athlete_name_is_optional():
    assert load("").values["athlete"]["name"] is None
    assert load('[athlete]\nname = "Alex"\n').values["athlete"]["name"] == "Alex"


def test_paho_comes_without_dns_and_dns_still_works_after_it():
    import subprocess
    import sys

    code = ("from syncd.mqtt.companion import _import_paho\n"
            "import sys\n"
            "mqtt = _import_paho()\n"
            "assert 'dns' not in sys.modules and mqtt.HAVE_DNS is False\n"
            "import dns.resolver, caldav\n"
            "print('ok')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "ok", out.stderr


def test_without_mqtt_the_daemon_never_imports_paho(tmp_path):
    import subprocess
    import sys

    code = ("import sys\n"
            "from pathlib import Path\n"
            "from syncd.config.loader import parse_config\n"
            "from syncd.companions import companions_for\n"
            "c = parse_config('', 'x', base_dir=Path('.'), env={})\n"
            f"assert companions_for(c, Path({str(tmp_path)!r})) == []\n"
            "import syncd.daemon\n"
            "print(sorted(m for m in sys.modules if m.startswith('paho')))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "[]", out.stderr
