"""Reading patches from mail: the first stage of reviewtool.

What is read
    Each input path is one of: a single RFC 822 mail; an mbox of one or many messages (``From ``
    separator lines as git mailsplit recognises them, ``>From `` escapes of mboxo and mboxrd undone);
    a bare ``.diff``/``.patch`` (starting with ``diff``, ``Index:``, ``===`` or ``--- ``, or with some
    text before a diff); ``-`` for standard input.  Mails are parsed with the standard library's
    ``email`` package (``policy.default``): MIME multipart, quoted-printable and base64 parts,
    RFC 2047 headers.  The body is the text/plain parts followed by any patch attachments
    (text/x-patch, text/x-diff, or any text or application part named ``*.patch``/``*.diff``),
    CRLF turned into LF, ``format=flowed`` text unwrapped as git mailinfo does.  A file holding
    one mail but no ``Subject:`` (a quilt patch with only ``From:``) is titled by its file name.

What is inferred, and noted
    * ``Subject``: ``Re:`` and the ``[...]`` prefixes are taken off the title; ``vN`` (also
      ``PATCHv2``) is the revision, 1 assumed when absent; ``n/m`` the counter.  Subsystem prefixes
      such as ``x86/mm:`` stay in the title.
    * ``Mail.diff``: the first diff in the body.  Its start is recognised by a whole file header
      (``--- ``/``+++ ``/``@@``, or a git extended header), its end by the hunk counts, so a removed
      ``-- `` line stays in and the ``-- `` signature, version line, ``base-commit:`` and list
      footers after the last hunk are cut.  A hunk cut short is kept as it is, with the note
      "hunk at line N truncated" (N counts lines of ``body`` from 1); the patch stage rejects it.
    * Charsets: undeclared 8-bit text is UTF-8 if it decodes, else latin-1; an unknown charset is
      read as latin-1.  Each fallback adds a note; decoding never fails.
    * ``Mail.source`` is the path, ``path#N`` for the N-th message (from 1) of an mbox holding
      several, ``-`` for standard input.  ``from_sha`` comes from git format-patch's
      ``From <sha> Mon Sep 17 00:00:00 2001`` line, ``base_commit`` from a ``base-commit:`` line.
    * A bare diff gets ``is_plain_diff=True`` and a subject made from its file name.
    * ``order_series`` puts numbered patches in their slots (``None`` for a hole), the ``0/m`` mail
      in ``cover``, unnumbered patches after them in input order, and everything else (replies,
      mails without diff, older revisions, duplicates) in ``skipped``, each with a note.  Of
      several (revision, total) groups the newest revision that carries diffs wins; a lone
      ``[PATCH v2 0/m]`` cover is still used when only the cover letter carries the ``v2``.

What is an error
    :class:`~reviewtool.errors.MailError`, with a one-line message and the path, for an input that
    cannot be read, is empty, is binary, or is neither a mail nor a diff.  A mail without a diff is
    not an error (``diff == ""``).
"""

from reviewtool.mail.extract import extract_diff, find_diff
from reviewtool.mail.reader import Mail, read_bytes, read_inputs
from reviewtool.mail.series import Series, order_series
from reviewtool.mail.subject import Subject, parse_subject

__all__ = ["Mail", "Series", "Subject", "extract_diff", "find_diff", "order_series", "parse_subject",
           "read_bytes", "read_inputs"]
