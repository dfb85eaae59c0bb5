"""Parsers of the LTML text formats and their error messages."""
import pytest

from lmpt_mm.datasets import (align_captions, read_caption_file,
                              read_label_file, read_split_list)


def test_label_file_crlf_spaces_no_final_newline(tiny_lt):
    assert read_label_file(tiny_lt / 'tiny_labels.txt') == [
        'red car', 'blue bird', 'sun'
    ]


def test_label_file_out_of_order_ids(tmp_path, write_text):
    p = write_text(tmp_path / 'l.txt', 'b 1\na 0\n')
    assert read_label_file(p) == ['a', 'b']


@pytest.mark.parametrize('text, match', [
    ('a 0\nb x\n', r'l\.txt:2: .*not an integer'),
    ('a 0\nb 0\n', r'l\.txt:2: class id 0 repeated'),
    ('a 0\nb 2\n', r'l\.txt:2: class id 2 out of range'),
    ('a 0\na 1\n', r'l\.txt:2: class name .a. repeated'),
    ('a 0\nlonely\n', r'l\.txt:2: malformed'),
    ('\n\n', r'l\.txt: no class'),
])
def test_label_file_errors(tmp_path, write_text, text, match):
    p = write_text(tmp_path / 'l.txt', text)
    with pytest.raises(ValueError, match=match):
        read_label_file(p)


def test_missing_file_names_path(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.txt'):
        read_split_list(tmp_path / 'nope.txt', 3)


def test_split_list_sets_and_lines(tiny_lt):
    recs = read_split_list(tiny_lt / 'tiny_train.txt', 3)
    assert [r.path for r in recs] == [f'imgs/{c}.png' for c in 'abcd']
    assert [r.labels for r in recs] == [(0, 1), (1, ), (0, 2), (1, )]
    assert [r.lineno for r in recs] == [1, 2, 4, 5]  # blank line 3 skipped
    test = read_split_list(tiny_lt / 'tiny_test.txt', 3)
    assert test[1].labels == ()  # image without label is kept


@pytest.mark.parametrize('text, match', [
    ('x.png 0\ny.png 1 a\n', r's\.txt:2: malformed line .*\'a\' is not an integer'),
    ('x.png 0\ny.png 3\n', r's\.txt:2: label id 3 out of range \[0, 3\)'),
    ('x.png 0\ny.png -1\n', r's\.txt:2: label id -1 out of range'),
    ('x.png 0\ny.png 1\nx.png 2\n', r's\.txt:3: duplicate image x\.png .*line 1'),
    ('\n  \n', r's\.txt: empty split'),
])
def test_split_list_errors(tmp_path, write_text, text, match):
    p = write_text(tmp_path / 's.txt', text)
    with pytest.raises(ValueError, match=match):
        read_split_list(p, 3)


def test_captions_align(tiny_lt):
    recs = read_split_list(tiny_lt / 'tiny_train.txt', 3)
    caps = read_caption_file(tiny_lt / 'tiny_captions.txt')
    out = align_captions(recs, caps, 'train.txt', 'cap.txt')
    assert out == ['a red car and a bird', 'a bird', 'sun over a car',
                   'blue bird']


def test_caption_path_mismatch_names_both_files(tmp_path, write_text, tiny_lt):
    recs = read_split_list(tiny_lt / 'tiny_train.txt', 3)
    p = write_text(tmp_path / 'cap.txt', 'imgs/a.png x\nimgs/c.png y\n'
              'imgs/b.png z\nimgs/d.png w\n')
    with pytest.raises(ValueError,
                       match=r'cap\.txt:2 names imgs/c\.png but train\.txt:2 '
                       r'names imgs/b\.png'):
        align_captions(recs, read_caption_file(p), 'train.txt', str(p))


def test_caption_count_mismatch(tmp_path, write_text, tiny_lt):
    recs = read_split_list(tiny_lt / 'tiny_train.txt', 3)
    short = write_text(tmp_path / 'short.txt', 'imgs/a.png x\nimgs/b.png y\n')
    with pytest.raises(ValueError, match=r'lists 2 images .* lists 4: '
                       r'train\.txt:4 \(imgs/c\.png\) has no caption'):
        align_captions(recs, read_caption_file(short), 'train.txt', str(short))
    long = write_text(tmp_path / 'long.txt', ''.join(
        f'imgs/{c}.png x\n' for c in 'abcde'))
    with pytest.raises(ValueError, match=r'long\.txt:5 \(imgs/e\.png\) is '
                       'beyond the end'):
        align_captions(recs, read_caption_file(long), 'train.txt', str(long))


def test_caption_line_without_text(tmp_path, write_text):
    p = write_text(tmp_path / 'cap.txt', 'a.png hi\nb.png   \n')
    with pytest.raises(ValueError, match=r'cap\.txt:2: .*no caption'):
        read_caption_file(p)
