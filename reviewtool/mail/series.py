"""Putting mails in series order: cover letter apart, patch n in slot n-1, holes kept as None."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reviewtool.mail.reader import Mail


@dataclass(frozen=True)
class Series:
    cover: Mail | None
    patches: tuple[Mail | None, ...]
    skipped: tuple[Mail, ...]
    notes: tuple[str, ...]


def _holes(slots: list[Mail | None], noted: set[int], total: int) -> list[str]:
    """Notes for the empty slots, ranges folded; ``noted`` slots (1-based) already have a note."""
    notes: list[str] = []
    k = 0
    while k < len(slots):
        if slots[k] is None and k + 1 not in noted:
            a = k
            while k + 1 < len(slots) and slots[k + 1] is None and k + 2 not in noted:
                k += 1
            notes.append(f"patch {a + 1}/{total} missing" if a == k
                         else f"patches {a + 1}-{k + 1}/{total} missing")
        k += 1
    return notes


def order_series(mails: Sequence[Mail]) -> Series:
    """Order ``mails`` as one series; never raises.

    Numbered mails (``[PATCH n/m]``) go to slot n-1; a ``0/m`` mail is the cover letter.  When the
    numbered mails belong to several (revision, total) groups, the newest revision that carries
    diffs wins and the others are skipped with a note.  Mails with a diff but no counter, plain
    diffs included, follow the numbered ones in input order; of several revisions of the same
    title only the newest is kept.  Replies carry review, not patches: they are skipped unless the
    input holds nothing else with a diff.  Whatever is neither cover nor patch lands in ``skipped``.
    """
    notes: list[str] = []
    skipped: list[tuple[int, Mail]] = []
    numbered: list[tuple[int, Mail]] = []
    unnumbered: list[tuple[int, Mail]] = []
    replies: list[tuple[int, Mail]] = []

    def skip(k: int, mail: Mail, why: str) -> None:
        skipped.append((k, mail))
        notes.append(f"{mail.source}: {why}")

    for k, mail in enumerate(mails):
        s = mail.subject
        if mail.is_plain_diff:
            unnumbered.append((k, mail))
        elif s.is_reply:
            if mail.diff:
                replies.append((k, mail))
            else:
                skip(k, mail, f"reply without diff skipped ({s.raw!r})")
        elif s.counter is not None and s.total is not None:
            numbered.append((k, mail))
        elif mail.diff:
            unnumbered.append((k, mail))
        else:
            skip(k, mail, f"mail without diff skipped ({s.raw!r})")

    groups: dict[tuple[int, int], list[tuple[int, Mail]]] = {}
    for k, mail in numbered:
        groups.setdefault((mail.subject.revision, mail.subject.total or 0), []).append((k, mail))

    cover: Mail | None = None
    slots: list[Mail | None] = []
    if groups:
        carrying = [key for key, members in groups.items() if any(m.diff for _, m in members)]
        chosen = max(carrying or list(groups),
                     key=lambda key: (key[0], sum(1 for _, m in groups[key] if m.diff), key[1]))
        if len(groups) > 1:
            others = ", ".join(f"v{r} of {t} ({len(groups[(r, t)])} mails)"
                               for r, t in sorted(groups) if (r, t) != chosen)
            notes.append(f"mails from several series: using v{chosen[0]} of {chosen[1]}, "
                         f"skipping {others}")
            for key, members in groups.items():
                if key != chosen:
                    skipped.extend(members)
        total = chosen[1]
        members = groups[chosen]
        if not any(m.subject.counter == 0 for _, m in members):
            # Senders often put "v2" on the cover letter only: adopt a lone cover of the same size.
            for key, others_members in groups.items():
                if key != chosen and key[1] == total and all(
                        m.subject.counter == 0 and not m.diff for _, m in others_members):
                    k, mail = others_members[0]
                    skipped.remove((k, mail))
                    members = sorted(members + [(k, mail)], key=lambda pair: pair[0])
                    notes.append(f"cover letter v{key[0]} 0/{total} used for the "
                                 f"v{chosen[0]} patches")
                    break
        size = max([total] + [m.subject.counter or 0 for _, m in members])
        slots = [None] * size
        without_diff: set[int] = set()
        for k, mail in members:
            n = mail.subject.counter or 0
            if n == 0:
                if cover is None:
                    cover = mail
                    notes.append(f"cover letter 0/{total} has no diff (skipped)" if not mail.diff
                                 else f"cover letter 0/{total} has a diff, not reviewed as a patch")
                else:
                    skip(k, mail, f"second cover letter 0/{total} skipped")
            elif not mail.diff:
                without_diff.add(n)
                skip(k, mail, f"patch {n}/{total} has no diff (skipped)")
            elif slots[n - 1] is not None:
                skip(k, mail, f"duplicate patch {n}/{total} skipped")
            else:
                slots[n - 1] = mail
        notes.extend(_holes(slots, without_diff, total))

    # Several revisions of one unnumbered patch: review the newest.
    newest: dict[str, int] = {}
    for _, mail in unnumbered:
        if not mail.is_plain_diff:
            title = mail.subject.title
            newest[title] = max(newest.get(title, 0), mail.subject.revision)
    kept: list[Mail] = []
    for k, mail in unnumbered:
        title = mail.subject.title
        if not mail.is_plain_diff and mail.subject.revision < newest[title]:
            skip(k, mail, f"v{mail.subject.revision} of {title!r} skipped: "
                          f"v{newest[title]} is given too")
        else:
            kept.append(mail)

    if replies:
        if any(slots) or kept:
            for k, mail in replies:
                skip(k, mail, f"reply with a diff skipped ({mail.subject.raw!r})")
        else:
            for _, mail in replies:
                notes.append(f"{mail.source}: reply with a diff used as a patch")
                kept.append(mail)

    skipped.sort(key=lambda pair: pair[0])
    return Series(cover=cover, patches=tuple(slots) + tuple(kept),
                  skipped=tuple(m for _, m in skipped), notes=tuple(notes))
