"""English sentences for the tokenizer and model parity tests: the prose of the docstrings that
ship in the pinned transformers, torch and timm packages (tools/requirements.txt), split into
sentences. The same pins give the same sentences, in the same order, on every machine.
"""
import importlib.util
import pathlib
import random
import re

SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
TRIPLE_QUOTED = re.compile(r'"""(.*?)"""', re.DOTALL)


def docstrings(package):
    """The text of every triple-quoted string in the package's sources, whitespace collapsed."""
    root = pathlib.Path(importlib.util.find_spec(package).submodule_search_locations[0])
    for path in sorted(root.rglob("*.py")):
        for text in TRIPLE_QUOTED.findall(path.read_text(encoding="utf-8", errors="replace")):
            yield " ".join(text.split())


def is_prose(sentence):
    words = sentence.split()
    if not 4 <= len(words) <= 60 or not sentence[0].isupper() or sentence[-1] not in ".!?":
        return False
    return sum(word.strip(",.;:!?()'\"").isalpha() for word in words) >= 0.7 * len(words)


def english_sentences():
    """Distinct prose sentences of the packages' docstrings, shuffled with a fixed seed."""
    seen = {}
    for package in ("transformers", "torch", "timm"):
        for text in docstrings(package):
            for sentence in SENTENCE_END.split(text):
                if is_prose(sentence):
                    seen.setdefault(sentence, None)
    sentences = list(seen)
    random.Random(0).shuffle(sentences)
    return sentences


if __name__ == "__main__":
    found = english_sentences()
    print(f"{len(found)} sentences, e.g.:")
    print("\n".join(found[:5]))
