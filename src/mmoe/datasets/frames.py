"""The image view from video: one frame per utterance, sampled at 1 fps with ffmpeg."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pandas as pd

from mmoe import io

VIDEO_SUFFIXES = (".mp4", ".mkv", ".avi", ".mov", ".webm")


def pick(count: int, frame: str | int) -> int:
    """Index of the kept frame among ``count``: ``"middle"`` or an index (negative from the end),
    clamped to the clip's length."""
    if frame == "middle":
        return count // 2
    return min(max(int(frame), -count), count - 1) % count


def extract_frame(video: Path, target: Path, frame: str | int = "middle", fps: float = 1) -> None:
    """Sample ``video`` at ``fps`` and save the kept frame as ``target`` (JPEG)."""
    with tempfile.TemporaryDirectory() as scratch:
        command = ["ffmpeg", "-nostdin", "-v", "error", "-i", str(video), "-vf", f"fps={fps}"]
        result = subprocess.run(
            [*command, "-q:v", "2", f"{scratch}/%06d.jpg"], capture_output=True, text=True
        )
        frames = sorted(Path(scratch).glob("*.jpg"))
        if result.returncode != 0 or not frames:
            raise ValueError(f"{video}: ffmpeg extracted no frames: {result.stderr.strip()}")
        shutil.move(frames[pick(len(frames), frame)], target)


def frames_from_videos(
    videos_dir: str | Path, out_dir: str | Path, frame: str | int = "middle", fps: float = 1
) -> list[str]:
    """Write ``{stem}.jpg`` for each video in ``videos_dir`` into ``out_dir`` (atomically).

    Videos ffmpeg cannot read are skipped (validation then reports their missing image);
    returns the problems, one per skipped video.
    """
    videos = sorted(p for p in Path(videos_dir).iterdir() if p.suffix.lower() in VIDEO_SUFFIXES)
    if not videos:
        raise ValueError(f"{videos_dir}: no videos ({', '.join(VIDEO_SUFFIXES)})")
    skipped = []
    with io.atomic_path(out_dir) as tmp:
        tmp.mkdir()
        for video in videos:
            try:
                extract_frame(video, tmp / f"{video.stem}.jpg", frame, fps)
            except ValueError as error:
                skipped.append(str(error))
    return skipped


def attach_frames(frame: pd.DataFrame, frames_dir: str | Path) -> None:
    """Make the utterance's frame ``x1`` and its text ``x2``; the text context moves to
    ``context``. Frames are ``{frames_dir}/{id}.jpg``."""
    frame["context"] = frame["x2"]
    frame["x2"] = frame["x1"]
    frame["x1"] = str(frames_dir) + "/" + frame["id"].astype("str") + ".jpg"
