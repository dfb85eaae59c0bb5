"""Check that the images a dataset lists exist and decode (``prepare_data --check``)."""
import os
from dataclasses import dataclass, field
from typing import Iterable, List, Literal, Tuple

from PIL import Image

__all__ = ['check_image', 'check_images', 'ImageCheckReport', 'image_load_problem',
           'IMAGE_EXTENSIONS', 'NamedImageErrorsMixin']

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.webp', '.tif', '.tiff')

Status = Literal['ok', 'missing', 'undecodable']


def check_image(path: str) -> Tuple[Status, str]:
    """``('ok', '')``, ``('missing', reason)`` or ``('undecodable', reason)``.

    The image is fully decoded (``Image.load``), so a truncated file fails too.
    """
    if not os.path.isfile(path):
        return 'missing', 'no such file'
    try:
        with Image.open(path) as img:
            img.load()
    except Exception as e:  # PIL raises many types for broken files
        return 'undecodable', f'{type(e).__name__}: {e}'
    return 'ok', ''


def image_load_problem(path: str) -> str:
    """Why ``path`` cannot be an image, cheaply (existence and size only), or ''."""
    if not os.path.isfile(path):
        return 'the file does not exist' if not os.path.isdir(path) else \
            'it is a directory'
    if os.path.getsize(path) == 0:
        return 'the file is empty (0 bytes)'
    return ''


@dataclass
class ImageCheckReport:
    """Outcome of :func:`check_images`."""
    num_ok: int = 0
    missing: List[str] = field(default_factory=list)
    undecodable: List[Tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.missing and not self.undecodable

    def summary(self, max_list: int = 10) -> str:
        total = self.num_ok + len(self.missing) + len(self.undecodable)
        lines = [f'checked {total} images: {self.num_ok} ok, '
                 f'{len(self.missing)} missing, '
                 f'{len(self.undecodable)} undecodable']
        for p in self.missing[:max_list]:
            lines.append(f'  missing: {p}')
        if len(self.missing) > max_list:
            lines.append(f'  ... and {len(self.missing) - max_list} more missing')
        for p, why in self.undecodable[:max_list]:
            lines.append(f'  undecodable: {p} ({why})')
        if len(self.undecodable) > max_list:
            lines.append(f'  ... and {len(self.undecodable) - max_list} more '
                         'undecodable')
        return '\n'.join(lines)


def check_images(paths: Iterable[str],
                 progress: bool = True,
                 desc: str = 'checking images') -> ImageCheckReport:
    """Check every path; ``progress`` shows a tqdm bar (on stderr)."""
    paths = list(paths)
    if progress:
        from tqdm import tqdm
        paths = tqdm(paths, desc=desc, unit='img')
    report = ImageCheckReport()
    for p in paths:
        status, why = check_image(p)
        if status == 'ok':
            report.num_ok += 1
        elif status == 'missing':
            report.missing.append(p)
        else:
            report.undecodable.append((p, why))
    return report


def _is_decode_error(err: Exception) -> bool:
    """OpenCV/PIL/mmcv failures to read or decode an image file (mmcv's
    ``LoadImageFromFile`` asserts ``failed to load image`` when the decoder returns
    nothing, e.g. for a truncated JPEG)."""
    module = type(err).__module__ or ''
    return (module.startswith(('cv2', 'PIL')) or isinstance(err, OSError)
            or 'imdecode' in str(err) or 'decode' in str(err).lower()
            or (isinstance(err, AssertionError) and 'failed to load image' in str(err)))


class NamedImageErrorsMixin:
    """For MMEngine datasets (first base): an image that cannot be read raises a
    ``ValueError`` (``FileNotFoundError`` if absent) naming the file, the sample and
    the annotation file, and why (OpenCV's error for an empty file, or mmcv's
    ``AssertionError`` for a truncated one, names neither)."""

    def prepare_data(self, idx: int):
        try:
            return super().prepare_data(idx)
        except Exception as err:  # noqa: BLE001 - re-raised with the file named
            path = self.get_data_info(idx).get('img_path', '')
            problem = image_load_problem(path) if path else ''
            if not problem and not _is_decode_error(err):
                raise
            if not problem and path:  # the file is there: say why it does not decode
                status, why = check_image(path)
                problem = (f'the file cannot be decoded (truncated or damaged?): {why}'
                           if status == 'undecodable' else '')
            error = FileNotFoundError if 'does not exist' in problem else ValueError
            raise error(
                f'image {path} (sample {idx} of {getattr(self, "ann_file", "?")}) cannot '
                f'be loaded: {problem or f"{type(err).__name__}: {err}"}') from err
