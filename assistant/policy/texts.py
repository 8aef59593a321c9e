"""Product texts (``product.yaml``): what the app and its transcripts say in the product's voice.

Kept as data so that the not-official-guidance notice and the page captions are reviewed and
changed like the rest of the policy, in one place, and every surface says the same thing.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass

from ..errors import SettingsError
from . import read_yaml


@dataclass(frozen=True)
class ProductTexts:
    app_name: str
    not_official: str
    ask_caption: str
    no_role: str
    no_role_caption: str
    role_help: str


@functools.cache
def product_texts() -> ProductTexts:
    """The texts, checked: every field present, a non-empty string, and nothing unknown."""
    data = read_yaml("product.yaml")
    names = [f.name for f in dataclasses.fields(ProductTexts)]
    unknown = sorted(set(data) - set(names))
    if unknown:
        raise SettingsError(f"policy file product.yaml: unknown text(s) {', '.join(unknown)}")
    for name in names:
        value = data.get(name)
        if not isinstance(value, str) or not value.strip():
            raise SettingsError(f"policy file product.yaml: {name} must be a non-empty text")
    return ProductTexts(**{name: " ".join(str(data[name]).split()) for name in names})
