"""Installable MMPretrain plugin for long-tailed multi-label prompt tuning."""
from pathlib import Path

from setuptools import find_packages, setup


def read_requirements() -> list[str]:
    reqs = []
    for line in Path(__file__).with_name('requirements.txt').read_text().splitlines():
        line = line.split('#', 1)[0].strip()
        if line and not line.startswith(('pytest', 'execnet')):  # test-only pins
            reqs.append(line)
    return reqs


setup(
    name='lmpt_mm',
    version='0.1.0',
    description=('Long-tailed multi-label visual recognition with vision-language '
                 'prompt tuning (LMPT, HP-DVAL) as an MMPretrain plugin'),
    long_description=Path(__file__).with_name('README.md').read_text(),
    long_description_content_type='text/markdown',
    python_requires='>=3.10',
    packages=find_packages(include=['lmpt_mm', 'lmpt_mm.*']),
    package_data={'lmpt_mm': ['models/clip/model_configs/*.json']},
    install_requires=read_requirements(),
    extras_require={'tests': ['pytest==8.4.2', 'pytest-xdist==3.8.0', 'execnet==2.1.2']},
    license='Apache-2.0',
)
