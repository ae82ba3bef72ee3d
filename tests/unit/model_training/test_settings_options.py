"""The trainers' command-line options come from their settings dataclasses (``training/spacy_ner.py``)."""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from training.spacy_ner import add_settings_options, settings_from


@dataclass(frozen=True)
class _Settings:
    seed: int = 13
    learn_rate: float = 0.002
    augment_rate: float = 0.5


def test_every_field_is_an_option_with_its_default_and_type():
    parser = argparse.ArgumentParser()
    add_settings_options(parser, _Settings)
    assert settings_from(parser.parse_args([]), _Settings) == _Settings()
    assert settings_from(parser.parse_args(["--seed", "1", "--augment-rate", "2"]), _Settings) == _Settings(
        seed=1, augment_rate=2.0)
