"""Golden vectors for the numpy MiniLM encoder, from the reference implementation.

Encodes a few dozen varied texts with sentence-transformers on torch (CPU), loading the same
model folder the project uses (`TRIAGE_EMBEDDINGS_DIR`, after its weights' SHA-256 is checked),
and writes tests/fixtures/encoder_golden.json: the authored texts, references to the real
rows, the reference's versions and the vectors as float32 (base64, little-endian).
tests/model/test_encoder_parity.py compares `model/embeddings.py` with it.

torch and sentence-transformers are not project dependencies, so this runs in a scratch venv
with the local torch 2.13.0 CPU wheel (the constraint keeps pip from pulling a CUDA torch):

    python -m venv /tmp/refvenv
    echo "torch==2.13.0+cpu" > /tmp/refvenv/constraints.txt   # the local CPU wheel, never CUDA
    /tmp/refvenv/bin/pip install -c /tmp/refvenv/constraints.txt torch==2.13.0 \\
        sentence-transformers==6.3.0 transformers==5.25.0
    make embeddings     # or: triage fetch-embeddings (the model folder)
    PYTHONPATH=. /tmp/refvenv/bin/python scripts/make_encoder_golden.py

Regenerating changes the texts' digest only if TEXTS, CORPUS_ROWS or those rows' texts change;
the test pins that digest, so update GOLDEN_TEXTS_SHA256 there on purpose when the texts change.

The real lines are labelled rows of data/real/train/ (none from twcs, CC BY-NC-SA, and none
from a calibration or benchmark split). The corpora's README forbids copying their texts into
test expectations, so the fixture holds no real text: each real item names its file and the
row's `provenance` (the public copy and the row's key there, unique within each file) and the
SHA-256 of its text; the test reads the text from that row at run time.
"""

from __future__ import annotations

import argparse
import base64
import csv
import hashlib
import json
import os
from importlib.metadata import version
from pathlib import Path

import numpy as np

from model.embeddings import ENCODER_NAME, PACKAGE

ROOT = Path(__file__).resolve().parents[1]
REAL_TRAIN = ROOT / "data" / "real" / "train"
FIXTURE = ROOT / "tests" / "fixtures" / "encoder_golden.json"
DEFAULT_MODEL_DIR = ROOT / "var" / "models" / ENCODER_NAME

# Authored edge cases: empty and blank, punctuation only, case, numbers, other scripts, emoji,
# invisible characters, an over-long word ([UNK]) and texts far over 256 tokens (truncation).
TEXTS: list[str] = [
    "",
    " ",
    "\n\t  \n",
    "?!...,;:",
    "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
    "a",
    "ok",
    "How do I reset my password?",
    "HOW DO I RESET MY PASSWORD?",
    "hOw Do I rEsEt My PaSsWoRd?",
    "If this isn't fixed by Friday our lawyers will be in touch.",
    "Order #48213 was charged $1,299.99 twice on 03/11/2024 - refund 100% please.",
    "3.14159 2.71828 1e-9 0xFF 1,000,000 42 -7 +44 20 7946 0958",
    "Der Kurier hat unsere Palette verloren und die Lieferung ist zwei Wochen zu spät.",
    "Le transporteur a perdu notre palette ; je veux être remboursé immédiatement !",
    "¿Dónde está mi pedido? Llevo tres semanas esperando y nadie me responde.",
    "注文した商品がまだ届いていません。至急確認してください。",
    "我的账户被盗了，请立即冻结。",
    "Курьер потерял нашу посылку, верните деньги.",
    "لم يصل طلبي بعد، أريد استرداد أموالي",
    "मेरा पैसा वापस करो",
    "Η παραγγελία μου δεν έφτασε ποτέ.",
    "Mein Konto ist gesperrt (account locked) 请帮忙 ASAP!!!",
    "Great service 👍👍🔥 but the app keeps crashing 😡😡",
    "😡🤬💩",
    "👨‍👩‍👧‍👦 🇺🇸🇯🇵 ☕️",
    "Café ☕ naïve façade - résumé coöperate ÅNGSTRÖM",
    "@AcmeSupport see https://example.com/orders?id=123&ref=abc or mail [EMAIL] #fail",
    "Error: NullPointerException at com.acme.Checkout.pay(Checkout.java:42)",
    "zero\u200bwidth soft\u00adhyphen\ttab\u0007bell",
    "Supercalifragilisticexpialidocious" * 4,
    "The courier lost our pallet again and nobody answers the phone. " * 30,
    "refund " * 400,
]

# Real lines, by id in data/real/train: long ones (> 256 tokens), XXXX masking and {$...}
# amounts, HTML links, emoji, and very short reviews.
CORPUS_ROWS: list[str] = [
    "cfpb-2144",
    "cfpb-553",
    "cfpb-47",
    "cfpb-3030",
    "finefood-1762",
    "finefood-18",
    "finefood-247",
    "finefood-1448",
    "appreviews-417",
    "appreviews-392",
    "appreviews-222",
    "appreviews-277",
]


def texts_digest(texts: list[str]) -> str:
    """SHA-256 of the texts as compact JSON; the test computes it the same way."""
    blob = json.dumps(texts, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def corpus_items() -> list[tuple[dict[str, str], str]]:
    """(reference, text) of CORPUS_ROWS, read from data/real/train/<source>.csv."""
    found: list[tuple[dict[str, str], str]] = []
    for row_id in CORPUS_ROWS:
        name = f"{row_id.rsplit('-', 1)[0]}.csv"
        with (REAL_TRAIN / name).open(newline="", encoding="utf-8") as handle:
            rows = {row["id"]: row for row in csv.DictReader(handle)}
        if row_id not in rows:
            raise SystemExit(f"{row_id} is not in data/real/train/{name}: pick another")
        if len({row["provenance"] for row in rows.values()}) != len(rows):
            raise SystemExit(f"provenance is not unique in {name}: it cannot name a row")
        row = rows[row_id]
        reference = {
            "source": f"data/real/train/{name}",
            "provenance": row["provenance"],
            "text_sha256": text_sha256(row["text"]),
        }
        found.append((reference, row["text"]))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--model-dir",
        type=Path,
        default=Path(os.environ.get("TRIAGE_EMBEDDINGS_DIR", DEFAULT_MODEL_DIR)),
    )
    parser.add_argument("--out", type=Path, default=FIXTURE)
    args = parser.parse_args()
    PACKAGE.check(args.model_dir)  # the weights every tfidf_minilm model uses, no other

    import torch  # the reference stack: only in the scratch venv
    from sentence_transformers import SentenceTransformer

    torch.manual_seed(0)
    model = SentenceTransformer(str(args.model_dir), device="cpu")
    model.eval()
    # Authored items carry their text; real ones only the reference to their labelled row.
    items = [({"source": "authored", "text": text}, text) for text in TEXTS] + corpus_items()
    texts = [text for _, text in items]
    with torch.inference_mode():
        vectors = model.encode(
            texts, batch_size=16, convert_to_numpy=True, show_progress_bar=False
        ).astype("<f4")
    # Untruncated lengths, [CLS] and [SEP] included: which texts the 256-token cut shortens.
    lengths = [len(ids) for ids in model.tokenizer(texts, truncation=False)["input_ids"]]

    golden = {
        "about": "Reference embeddings for tests/model/test_encoder_parity.py; "
        "regenerate with scripts/make_encoder_golden.py, never by hand.",
        "reference": {
            "sentence_transformers": version("sentence-transformers"),
            "transformers": version("transformers"),
            "torch": torch.__version__,
            "device": "cpu",
        },
        "model": {
            "name": ENCODER_NAME,
            "weights_sha256": PACKAGE.sha256,
            "max_seq_length": model.max_seq_length,
        },
        "texts_sha256": texts_digest(texts),
        "dim": int(vectors.shape[1]),
        "vector_encoding": "float32 little-endian, base64",
        "items": [
            {
                **reference,
                "tokens": length,
                "vector": base64.b64encode(np.ascontiguousarray(row).tobytes()).decode("ascii"),
            }
            for (reference, _), length, row in zip(items, lengths, vectors, strict=True)
        ],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(golden, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    cut = sum(n > model.max_seq_length for n in lengths)
    print(f"{len(items)} texts ({cut} over {model.max_seq_length} tokens, longest {max(lengths)})")
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes), texts {golden['texts_sha256']}")


if __name__ == "__main__":
    main()
