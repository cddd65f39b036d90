"""The one training loop of the transformer + LoRA families, and their shared base class.

``LoraFamily.fit`` trains the LoRA adapter (and head) with the loss of :mod:`mmoe.families.losses`
and early stopping on validation F1, one-class epochs ranked last,
checkpoints every epoch into ``<out_dir>/checkpoint`` (or ``params["checkpoint_dir"]``) and resumes
from it when restarted with the same settings and rows, then saves ``<out_dir>/model`` atomically
(adapter, head, tokenizer or processor and ``family.json``) and ``<out_dir>/params.json``
(parameter counts). The checkpoint stays until the caller has committed everything made from the
model and calls :meth:`LoraFamily.discard_checkpoint`. Subclasses only say how to load the base
model, encode examples and turn a batch into class logits.
"""

from __future__ import annotations

import contextlib
import json
import math
import shutil
import time
from functools import partial
from pathlib import Path
from typing import ClassVar

import numpy as np
from tqdm import tqdm

from mmoe.families.base import Examples
from mmoe.families.early_stopping import (
    new_selection,
    patience_spent,
    select_epoch,
    selection_summary,
)
from mmoe.families.losses import loss_function, target_tensor
from mmoe.io import atomic_path, write_json

COMMON_DEFAULTS = {
    "lr": 5e-4,
    "weight_decay": 0.0,
    "epochs": 5,
    "patience": 2,
    "batch_size": 16,
    "eval_batch_size": 64,
    "grad_accum": 1,
    "warmup_ratio": 0.06,
    "max_grad_norm": 1.0,
    "max_length": 128,
    "lora_r": 8,
    "lora_alpha": 16,
    "lora_dropout": 0.1,
    "bucket_batches": 32,
    "device": "auto",
    "cpu_autocast": None,  # bfloat16: on CPU under bf16 autocast; auto: where the CPU has bf16
}
CPU_AUTOCAST = (None, "bfloat16", "auto")
# torch.cpu's probes of native bf16 matrix instructions (AVX-512 BF16, AMX)
NATIVE_BF16_PROBES = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
# How an epoch is chosen (mmoe.metrics.selection_key): a checkpoint made otherwise is not resumed.
SELECTION = "validation F1, one-class epochs last"
# Run control, not model identity: they do not invalidate a checkpoint and are not saved.
RUN_CONTROL = ("max_epochs_this_run", "checkpoint_dir", "device", "eval_batch_size")


class Preempted(RuntimeError):
    """Raised when ``max_epochs_this_run`` epochs ran; a restart resumes from the checkpoint."""


def view_texts(examples: Examples, view: str) -> list[str]:
    """The text of ``view`` per example; an image view gives its caption."""
    kind = examples.view_kinds.get(view, "text")
    if kind == "text":
        return list(getattr(examples, view))
    if kind != "image":
        raise ValueError(
            f"view {view!r} is {kind!r} (text in some pooled datasets, an uncaptioned image in "
            "others); give those datasets a captioning backend to use a text family"
        )
    captions = examples.captions.get(view)
    if captions is None:
        raise ValueError(f"view {view!r} is an image without captions; this family needs text")
    return list(captions)


def length_batches(lengths, batch_size: int, rng=None, bucket_batches: int = 32) -> list:
    """Index batches of similar lengths. With ``rng`` (training): shuffled, sorted by length within
    buckets of ``bucket_batches`` batches, batch order shuffled; without: sorted by length."""
    lengths = np.asarray(lengths)
    if rng is None:
        order = np.argsort(lengths, kind="stable")
        return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    order, chunk, batches = rng.permutation(len(lengths)), batch_size * bucket_batches, []
    for start in range(0, len(order), chunk):
        part = order[start : start + chunk]
        part = part[np.argsort(lengths[part], kind="stable")]
        batches += [part[i : i + batch_size] for i in range(0, len(part), batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]


def pad_tokens(items: list[dict], pad_id: int, side: str = "right") -> dict:
    """Pad every list-valued key of ``items`` to the batch maximum (``input_ids`` with ``pad_id``,
    others with 0) and add ``attention_mask``; returns tensors."""
    import torch

    width = max(len(item["input_ids"]) for item in items)
    keys = [k for k, v in items[0].items() if isinstance(v, list)]
    batch = {k: torch.full((len(items), width), pad_id if k == "input_ids" else 0) for k in keys}
    batch["attention_mask"] = torch.zeros((len(items), width), dtype=torch.long)
    for row, item in enumerate(items):
        n = len(item["input_ids"])
        cols = slice(width - n, width) if side == "left" else slice(0, n)
        for k in keys:
            batch[k][row, cols] = torch.as_tensor(item[k])
        batch["attention_mask"][row, cols] = 1
    return batch


def _cuda_dtype():
    import torch

    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16


def cpu_autocast_dtype(setting: str | None) -> str | None:
    """The CPU autocast dtype of the ``cpu_autocast`` setting: ``auto`` is bfloat16 on a CPU with
    native bf16 instructions (elsewhere bf16 autocast is slower than fp32), else none (fp32)."""
    if setting != "auto":
        return setting
    import torch

    native = any(getattr(torch.cpu, probe, lambda: False)() for probe in NATIVE_BF16_PROBES)
    return "bfloat16" if native else None


def uses_cuda(hp: dict) -> bool:
    """Whether the model goes to CUDA: available and not ``device: cpu``."""
    import torch

    return hp["device"] != "cpu" and torch.cuda.is_available()


def device_and_dtype(hp: dict):
    """CUDA with bf16 (fp16 where bf16 is unsupported) when available, else CPU with fp32."""
    import torch

    if uses_cuda(hp):
        return torch.device("cuda"), _cuda_dtype()
    return torch.device("cpu"), torch.float32


def checkpoint_path(hp: dict, out_dir) -> Path:
    """Where training checkpoints go: ``hp["checkpoint_dir"]`` or ``<out_dir>/checkpoint``."""
    return Path(hp.get("checkpoint_dir") or Path(out_dir) / "checkpoint") / "last.pt"


def count_parameters(model) -> dict[str, int]:
    """Total, trainable and frozen (the pretrained backbone's) counts of a peft model (peft's
    frozen copy of a trained head is not counted)."""
    total = trainable = 0
    for name, p in model.named_parameters():
        if ".original_module." in name:
            continue
        total += p.numel()
        trainable += p.numel() if p.requires_grad else 0
    return {"total": total, "trainable": trainable, "frozen": total - trainable}


def _trainable_state(model) -> dict:
    return {n: p.detach().cpu().clone() for n, p in model.named_parameters() if p.requires_grad}


def _rng_state() -> dict:
    import torch

    cuda = torch.cuda.get_rng_state_all() if torch.cuda.is_available() else []
    return {"torch": torch.get_rng_state(), "cuda": cuda}


def _set_rng_state(state: dict) -> None:
    import torch

    torch.set_rng_state(state["torch"])
    if state["cuda"]:
        torch.cuda.set_rng_state_all(state["cuda"])


def _finished(state: dict, hp: dict) -> bool:
    """All epochs ran, or the last ``patience`` epochs did not improve on the best."""
    return state["epoch"] >= hp["epochs"] or patience_spent(
        state, state["epoch"] - 1, hp["patience"]
    )


class LoraFamily:
    """A transformer with LoRA adapters; see the module docstring for what ``fit`` writes."""

    name: str
    defaults: ClassVar[dict] = {}
    padding_side = "right"

    # -- hooks -----------------------------------------------------------------------------------
    def load_processor(self, path: str | Path):
        """The tokenizer (or processor) stored at ``path``."""
        raise NotImplementedError

    def load_base(self, hp: dict, n_classes: int, processor, dtype):
        """The base transformers model from ``hp["model_path"]``."""
        raise NotImplementedError

    lora_task_type: ClassVar[str | None] = None  # peft task type; None for a bare LoRA model

    def lora_config(self, hp: dict):
        """The peft ``LoraConfig`` from the ``lora_*``, ``target_modules`` and (optional)
        ``modules_to_save`` params."""
        from peft import LoraConfig

        extra = {"task_type": self.lora_task_type} if self.lora_task_type else {}
        return LoraConfig(
            r=hp["lora_r"],
            lora_alpha=hp["lora_alpha"],
            lora_dropout=hp["lora_dropout"],
            target_modules=hp["target_modules"],
            modules_to_save=hp.get("modules_to_save"),
            **extra,
        )

    def prepare(self, processor, hp: dict, n_classes: int) -> dict:
        """JSON-able facts fixed at training time and needed to predict (e.g. answer token ids)."""
        return {}

    def encode(self, processor, examples: Examples, hp: dict, meta: dict) -> list[dict]:
        """One dict per example with ``input_ids`` (list) and any other per-example inputs."""
        raise NotImplementedError

    def collate(self, processor, items: list[dict]) -> dict:
        """A batch of tensors from encoded items."""
        raise NotImplementedError

    def class_logits(self, model, batch: dict, meta: dict):
        """Class logits of shape (batch, n_classes)."""
        raise NotImplementedError

    # -- ModelFamily API -------------------------------------------------------------------------
    def fit(
        self, train: Examples, val: Examples, n_classes: int, out_dir: Path, params: dict, seed: int
    ) -> dict:
        model, processor, summary = self.train(train, val, n_classes, out_dir, params, seed)
        self.save(model, processor, summary["saved"], Path(out_dir))
        return {k: v for k, v in summary.items() if k != "saved"}

    def predict(self, model_dir: Path, examples: Examples, params: dict) -> np.ndarray:
        model, processor, saved = self.load(model_dir, params)
        return self.logits(model, processor, examples, saved["hp"], saved["meta"])

    def parameter_counts(self, model_dir: Path) -> dict[str, int]:
        return json.loads((Path(model_dir) / "params.json").read_text())

    def discard_checkpoint(self, params: dict, out_dir: Path) -> None:
        shutil.rmtree(checkpoint_path(params, out_dir).parent, ignore_errors=True)

    # -- building blocks -------------------------------------------------------------------------
    def hyper_parameters(self, params: dict) -> dict:
        """Common defaults, overridden by the family's, overridden by ``params``; ``cpu_autocast``
        resolved on this machine (the model saves what it trained with), none on CUDA (whose
        autocast it does not change, so that a resumed GPU run does not depend on the CPU)."""
        hp = {**COMMON_DEFAULTS, **self.defaults, **params}
        if hp["cpu_autocast"] not in CPU_AUTOCAST:
            raise ValueError(
                f"{self.name}: cpu_autocast is {hp['cpu_autocast']!r}; one of {list(CPU_AUTOCAST)}"
            )
        on_cuda = uses_cuda(hp)
        return {**hp, "cpu_autocast": None if on_cuda else cpu_autocast_dtype(hp["cpu_autocast"])}

    def build(self, hp: dict, n_classes: int, seed: int):
        """A fresh trainable peft model (trainable weights in fp32) and its processor."""
        import torch
        from peft import get_peft_model

        device, dtype = device_and_dtype(hp)
        torch.manual_seed(seed)
        processor = self.load_processor(hp["model_path"])
        model = get_peft_model(
            self.load_base(hp, n_classes, processor, dtype), self.lora_config(hp)
        )
        for p in model.parameters():
            if p.requires_grad:
                p.data = p.data.float()
        return model.to(device), processor

    def _autocast(self, model, hp: dict):
        """bf16 (fp16 without bf16) autocast on CUDA; on CPU ``hp["cpu_autocast"]``, else none."""
        import torch

        if next(model.parameters()).device.type == "cuda":
            return torch.autocast("cuda", dtype=_cuda_dtype())
        if hp["cpu_autocast"] is None:
            return contextlib.nullcontext()
        return torch.autocast("cpu", dtype=getattr(torch, hp["cpu_autocast"]))

    def _to(self, batch: dict, model) -> dict:
        device = next(model.parameters()).device
        return {k: v.to(device) for k, v in batch.items()}

    def logits(self, model, processor, examples: Examples, hp: dict, meta: dict) -> np.ndarray:
        """Class logits of ``examples`` from an in-memory model, in example order."""
        import torch

        items = self.encode(processor, examples, hp, meta)
        out = np.zeros((len(items), 0), dtype=np.float32)
        model.eval()
        with torch.no_grad():
            for index in length_batches(
                [len(i["input_ids"]) for i in items], hp["eval_batch_size"]
            ):
                batch = self._to(self.collate(processor, [items[i] for i in index]), model)
                with self._autocast(model, hp):
                    scores = self.class_logits(model, batch, meta).float().cpu().numpy()
                if out.shape[1] == 0:
                    out = np.zeros((len(items), scores.shape[1]), dtype=np.float32)
                out[index] = scores
        return out

    def train(
        self, train: Examples, val: Examples, n_classes: int, out_dir, params: dict, seed: int
    ):
        """Run (or resume) training; return the best in-memory model, its processor and a summary
        whose ``saved`` entry holds what ``save`` writes to ``family.json``."""
        hp = self.hyper_parameters(params)
        model, processor = self.build(hp, n_classes, seed)
        meta = self.prepare(processor, hp, n_classes)
        items = self.encode(processor, train, hp, meta)
        loop = self._optimisation(model, hp, train, n_classes, len(items))
        identity = {
            "hp": {k: v for k, v in hp.items() if k not in RUN_CONTROL},
            "seed": seed,
            "n_classes": n_classes,
            "train": train.fingerprint(),
            "val": val.fingerprint(),
            "selection": SELECTION,
        }
        state = {"epoch": 0, **new_selection(), "history": []}
        checkpoint = checkpoint_path(hp, out_dir)
        steppers = (loop["optimizer"], loop["scheduler"], loop["scaler"])
        resumed_from = self._resume(checkpoint, identity, model, *steppers, state)
        ran = 0
        while not _finished(state, hp):
            if hp.get("max_epochs_this_run") is not None and ran >= hp["max_epochs_this_run"]:
                raise Preempted(f"stopped after {ran} epoch(s); resume from {checkpoint}")
            epoch = state["epoch"]
            loss_sum, seconds = self._train_epoch(
                model, processor, items, hp, meta, loop, seed, epoch
            )
            predicted = self.logits(model, processor, val, hp, meta).argmax(1)
            snapshot = partial(_trainable_state, model)
            record = select_epoch(state, epoch, val.targets, predicted, n_classes, snapshot)
            state["history"].append(
                {
                    "epoch": epoch,
                    "train_loss": loss_sum / len(items),
                    **record,
                    "train_seconds": seconds,
                    "train_examples_per_s": len(items) / seconds,
                }
            )
            state["epoch"], ran = epoch + 1, ran + 1
            self._checkpoint(checkpoint, identity, model, *steppers, state)
        model.load_state_dict(state["best"], strict=False)
        summary = {
            **selection_summary(state, state["history"]),
            "resumed_from_epoch": resumed_from,
            "saved": {"family": self.name, "n_classes": n_classes, "hp": hp, "meta": meta},
        }
        return model, processor, summary

    def _optimisation(self, model, hp: dict, train: Examples, n_classes: int, n_items: int) -> dict:
        """The loss, the optimiser of the trainable weights, its linear warm-up schedule over every
        epoch's steps and the gradient scaler (float16 on CUDA only)."""
        import torch
        from transformers import get_linear_schedule_with_warmup

        steps_per_epoch = math.ceil(math.ceil(n_items / hp["batch_size"]) / hp["grad_accum"])
        trainable = [p for p in model.parameters() if p.requires_grad]
        optimizer = torch.optim.AdamW(trainable, lr=hp["lr"], weight_decay=hp["weight_decay"])
        total_steps = steps_per_epoch * hp["epochs"]
        scheduler = get_linear_schedule_with_warmup(
            optimizer, int(hp["warmup_ratio"] * total_steps), total_steps
        )
        cuda = next(model.parameters()).device.type == "cuda"
        scaler = torch.amp.GradScaler("cuda", enabled=cuda and _cuda_dtype() == torch.float16)
        return {
            "targets": target_tensor(train.targets),
            "loss_fn": loss_function(hp, train.targets, n_classes),
            "trainable": trainable,
            "optimizer": optimizer,
            "scheduler": scheduler,
            "scaler": scaler,
        }

    def _train_epoch(
        self, model, processor, items: list[dict], hp: dict, meta: dict, loop: dict, seed, epoch
    ) -> tuple[float, float]:
        """One epoch over length-bucketed batches (shuffled by ``seed`` and ``epoch``, so that a
        resumed run draws the same), with gradient accumulation and clipping; returns the summed
        training loss and the seconds it took."""
        import torch

        lengths = [len(i["input_ids"]) for i in items]
        rng = np.random.default_rng([seed, epoch])
        batches = length_batches(lengths, hp["batch_size"], rng, hp["bucket_batches"])
        optimizer, scaler = loop["optimizer"], loop["scaler"]
        start, loss_sum = time.perf_counter(), 0.0
        model.train()
        for step, index in enumerate(tqdm(batches, desc=f"{self.name} epoch {epoch}")):
            batch = self._to(self.collate(processor, [items[i] for i in index]), model)
            with self._autocast(model, hp):
                logits = self.class_logits(model, batch, meta)
            loss = loop["loss_fn"](logits.float(), loop["targets"][index].to(logits.device))
            scaler.scale(loss / hp["grad_accum"]).backward()
            loss_sum += float(loss.detach()) * len(index)
            if (step + 1) % hp["grad_accum"] == 0 or step + 1 == len(batches):
                scaler.unscale_(optimizer)
                torch.nn.utils.clip_grad_norm_(loop["trainable"], hp["max_grad_norm"])
                scaler.step(optimizer)
                scaler.update()
                loop["scheduler"].step()
                optimizer.zero_grad(set_to_none=True)
        return loss_sum, time.perf_counter() - start

    def _checkpoint(self, path, identity, model, optimizer, scheduler, scaler, state) -> None:
        import torch

        payload = {
            "identity": identity,
            "state": {**state, "trainable": _trainable_state(model)},
            "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(),
            "scaler": scaler.state_dict(),
            "rng": _rng_state(),
        }
        with atomic_path(path) as tmp:
            torch.save(payload, tmp)

    def _resume(self, path, identity, model, optimizer, scheduler, scaler, state) -> int | None:
        """Load ``path`` into the training objects when it belongs to this run; the epoch resumed
        from, or None."""
        import torch

        if not path.is_file():
            return None
        payload = torch.load(path, weights_only=False, map_location="cpu")
        if json.dumps(payload["identity"], sort_keys=True, default=str) != json.dumps(
            identity, sort_keys=True, default=str
        ):
            tqdm.write(f"{path}: checkpoint of a different configuration; starting afresh")
            return None
        saved = payload["state"]
        model.load_state_dict(saved.pop("trainable"), strict=False)
        optimizer.load_state_dict(payload["optimizer"])
        scheduler.load_state_dict(payload["scheduler"])
        scaler.load_state_dict(payload["scaler"])
        _set_rng_state(payload["rng"])
        state.update(saved)
        return state["epoch"]

    def save(self, model, processor, saved: dict, out_dir: Path) -> None:
        """Write ``out_dir/model`` (adapter, head, processor, family.json) atomically and
        ``out_dir/params.json``."""
        hp = {k: v for k, v in saved["hp"].items() if k not in RUN_CONTROL}
        with atomic_path(out_dir / "model") as tmp:
            model.save_pretrained(tmp)
            processor.save_pretrained(tmp)
            (tmp / "family.json").write_text(
                json.dumps({**saved, "hp": hp}, indent=2, sort_keys=True, default=str)
            )
        write_json(count_parameters(model), out_dir / "params.json")

    def load(self, model_dir: Path, params: dict):
        """The saved model (in eval mode), its processor and ``family.json``; ``params`` may
        override ``model_path`` (where the base weights live) and ``device``."""
        from peft import PeftModel

        model_dir = Path(model_dir) / "model"
        saved = json.loads((model_dir / "family.json").read_text())
        hp = {**COMMON_DEFAULTS, **saved["hp"]}
        hp.update(
            {k: params[k] for k in ("model_path", "device", "eval_batch_size") if k in params}
        )
        saved["hp"] = hp
        device, dtype = device_and_dtype(hp)
        processor = self.load_processor(model_dir)
        base = self.load_base(hp, saved["n_classes"], processor, dtype)
        model = PeftModel.from_pretrained(base, model_dir, is_trainable=False)
        return model.to(device).eval(), processor, saved
