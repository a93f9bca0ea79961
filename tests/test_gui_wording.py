"""Messages for people: no terminal commands, no raw network errors, model ids kept as spelled."""

from __future__ import annotations

from urllib.error import URLError

from albumgen_desktop.app.wording import duration_text, failure_notice, model_notice, remaining_text, sentence
from albumgen_desktop.core.errors import AlbumGenError, ModelMissingError


def test_cli_advice_is_removed_and_ids_keep_their_spelling() -> None:
    raw = "model musicgen-small (facebook/musicgen-small) is not downloaded; run 'albumgen models download musicgen-small' or use --engine sketch"
    assert "albumgen models" not in sentence(raw) and "--engine" not in sentence(raw)
    assert sentence("musicgen-small is not downloaded; using the sketch engine").startswith("musicgen-small")
    assert sentence("the file is empty") == "The file is empty."


def test_a_missing_model_offers_the_download_and_says_offline() -> None:
    error = ModelMissingError("model musicgen-small (x) is not downloaded; run 'albumgen models download x'")
    notice = failure_notice("music", error, str(error), "musicgen-small")
    assert notice.model_id == "musicgen-small" and "not downloaded" in notice.text and "albumgen" not in notice.text
    offline = ModelMissingError("offline (HF_HUB_OFFLINE is set): musicgen-small cannot be downloaded now")
    assert "You are offline" in failure_notice("music", offline, str(offline), "musicgen-small").text
    assert "damaged" in model_notice("sdxs-512", "damaged").text


def test_a_raw_network_error_becomes_a_sentence() -> None:
    error = AlbumGenError(str(URLError("[Errno -3] Temporary failure in name resolution")))
    notice = failure_notice("music", error, str(error))
    assert "urlopen" not in notice.text and "offline" in notice.text


def test_times_read_like_a_clock() -> None:
    assert duration_text(7.4) == "0:07" and duration_text(125) == "2:05" and duration_text(3723) == "1:02:03"
    assert remaining_text(None) == "" and remaining_text(12.2) == "about 12 s left"
    assert remaining_text(190) == "about 3 min left"
