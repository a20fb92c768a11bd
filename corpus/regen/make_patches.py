"""Rebuild corpus/patches/ from corpus/tree/ and the edits in edits.py.

    python3 corpus/regen/make_patches.py

Needs GNU diff and git.  The quilt-style seed patch is made with
`diff -up` (as quilt did in 2007); the others with `git format-patch` in
a throw-away repository, then given fixed 2007 headers.  The output is
deterministic.  Run verify.sh afterwards.
"""
import os, re, shutil, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import edits

CORPUS = os.path.dirname(HERE)
TREE = os.path.join(CORPUS, 'tree')
OUT = os.path.join(CORPUS, 'patches')
TMP = tempfile.mkdtemp(prefix='corpus-regen-')
W = os.path.join(TMP, 'work')
REPO = os.path.join(TMP, 'repo')
HOME = os.path.join(TMP, 'home')

def fresh(name):
    d = os.path.join(W, name)
    if os.path.exists(d):
        shutil.rmtree(d)
    shutil.copytree(TREE, d)
    return d

def changed_files(old, new):
    out = []
    for dp, dn, fn in os.walk(new):
        for f in fn:
            p = os.path.relpath(os.path.join(dp, f), new)
            if open(os.path.join(old, p), 'rb').read() != open(os.path.join(new, p), 'rb').read():
                out.append(p)
    return sorted(out)

def diffstat_classic(stats, width=72):
    """diffstat 1.4x style, as quilt mail printed it in 2007."""
    namew = max(len(n) for n, a, d in stats)
    maxch = max(a + d for n, a, d in stats)
    room = width - namew - 9
    scale = min(1.0, room / maxch) if maxch else 1
    lines = []
    for n, a, d in stats:
        pa, pd = int(round(a * scale)), int(round(d * scale))
        if a and not pa: pa = 1
        if d and not pd: pd = 1
        lines.append(' %-*s | %4d %s' % (namew, n, a + d, '+' * pa + '-' * pd))
    ta = sum(a for _, a, _ in stats); td = sum(d for _, _, d in stats)
    lines.append(' %d files changed, %d insertions(+), %d deletions(-)' % (len(stats), ta, td))
    return '\n'.join(lines) + '\n'

def quilt_diff(old, new, files):
    parts, stats = [], []
    for f in files:
        r = subprocess.run(['diff', '-up', os.path.join(old, f), os.path.join(new, f)],
                           capture_output=True, text=True)
        assert r.returncode == 1, r
        lines = r.stdout.splitlines(keepends=True)
        assert lines[0].startswith('--- ') and lines[1].startswith('+++ ')
        body = lines[2:]
        a = sum(1 for l in body if l.startswith('+'))
        d = sum(1 for l in body if l.startswith('-'))
        stats.append((f, a, d))
        parts.append('===================================================================\n'
                     '--- a/%s\n+++ b/%s\n' % (f, f) + ''.join(body))
    return ''.join(parts), diffstat_classic(stats)

V1_BODY = """\
Normally when running in PAE mode, the 4th PMD maps the kernel address
space, which can be shared among all processes (since they all need
the same kernel mappings).

Xen, however, does not allow guests to have the kernel pmd shared
between page tables, so parameterize pgtable.c to allow both modes of
operation.

There are several side-effects of this.  One is that vmalloc will
update the kernel address space mappings, and those updates need to be
propagated into all processes if the kernel mappings are not
intrinsically shared.  In the non-PAE case, this is done by
maintaining a pgd_list of all processes; this list is used when all
process pagetables must be updated.  pgd_list is threaded via
otherwise unused entries in the page structure for the pgd, which
means that the pgd must be page-sized for this to work.

Normally the PAE pgd is only 4x64 byte entries large, but Xen requires
the PAE pgd to page aligned anyway, so this patch forces the pgd to be
page aligned+sized when the kernel pmd is unshared, to accomodate both
these requirements.

Also, since there may be several distinct kernel pmds (if the
user/kernel split is below 3G), there's no point in allocating them
from a slab cache; they're just allocated with get_free_page and
initialized appropriately.  (Of course the could be cached if there is
just a single kernel pmd - which is the default with a 3G user/kernel
split - but it doesn't seem worthwhile to add yet another case into
this code).

Signed-off-by: Jeremy Fitzhardinge <jeremy@xensource.com>
Cc: Zachary Amsden <zach@vmware.com>
Cc: William Lee Irwin III <wli@holomorphy.com>
"""

def make_v1():
    old = TREE
    new = fresh('v1')
    edits.edit_v1(new)
    files = changed_files(old, new)
    diff, stat = quilt_diff(old, new, files)
    hdr = """\
From jeremy@goop.org Wed Apr  4 12:11:58 2007
Message-Id: <20070404191158.563186000@goop.org>
References: <20070404191051.311226000@goop.org>
User-Agent: quilt/0.46-1
Date: Wed, 04 Apr 2007 12:11:58 -0700
From: Jeremy Fitzhardinge <jeremy@goop.org>
To: Andi Kleen <ak@suse.de>
Cc: Andrew Morton <akpm@linux-foundation.org>,
 virtualization@lists.osdl.org,
 lkml <linux-kernel@vger.kernel.org>
Subject: [patch 07/20] Allow paravirt backend to choose kernel PMD sharing
Content-Disposition: inline; filename=paravirt-kernel-pmd-sharing.patch

"""
    text = hdr + V1_BODY + '\n---\n' + stat + '\n' + diff + '\n'
    with open(os.path.join(OUT, 'paravirt-pmd-sharing.mbox'), 'w') as f:
        f.write(text)


def git(*args, env=None, **kw):
    e = dict(os.environ)
    e.update({'GIT_CONFIG_NOSYSTEM': '1', 'HOME': HOME})
    if env:
        e.update(env)
    r = subprocess.run(['git', '-C', REPO] + list(args), capture_output=True, text=True, env=e, **kw)
    if r.returncode:
        raise SystemExit('git %s: %s' % (args, r.stderr))
    return r.stdout

def ident(name, email, date):
    return {'GIT_AUTHOR_NAME': name, 'GIT_AUTHOR_EMAIL': email, 'GIT_AUTHOR_DATE': date,
            'GIT_COMMITTER_NAME': name, 'GIT_COMMITTER_EMAIL': email, 'GIT_COMMITTER_DATE': date}

def setup():
    if os.path.exists(REPO):
        shutil.rmtree(REPO)
    os.makedirs(HOME, exist_ok=True)
    shutil.copytree(TREE, REPO)
    git('init', '-q', '-b', 'base')
    git('config', 'core.abbrev', '7')
    git('add', '-A')
    git('commit', '-q', '-m', 'Linux 2.6.21 (reviewtool sample tree)',
        env=ident('Linus Torvalds', 'torvalds@woody.linux-foundation.org', '1177165624 -0700'))

def commit(branch, parent, edit, who, msg):
    git('checkout', '-q', '-B', branch, parent)
    edit(REPO)
    git('add', '-A')
    git('commit', '-q', '-F', '-', input=msg, env=ident(*who))
    return git('rev-parse', 'HEAD').strip()

def format_patch(rev_range, *extra, env=None):
    return git('format-patch', '--stdout', '--no-binary', '--signature=1.5.0.6',
               '--no-thread', *extra, rev_range, env=env)

def set_headers(mail, add):
    """Insert extra headers after Subject (the header block ends at the first blank line)."""
    head, sep, body = mail.partition('\n\n')
    return head + '\n' + add.rstrip('\n') + sep + body

JEREMY = ('Jeremy Fitzhardinge', 'jeremy@goop.org')

V2_MSG = """\
Allow paravirt backend to choose kernel PMD sharing

Normally when running in PAE mode, the 4th PMD maps the kernel address
space, which can be shared among all processes (since they all need
the same kernel mappings).

Xen, however, does not allow guests to have the kernel pmd shared
between page tables, so parameterize pgtable.c to allow both modes of
operation.  SHARED_KERNEL_PMD is a constant everywhere except in PAE
kernels with CONFIG_PARAVIRT, where the backend chooses: it is 0 for
two-level page tables and 1 for PAE without CONFIG_PARAVIRT, so
non-paravirt kernels behave exactly as they did before.

One side-effect is that vmalloc will update the kernel address space
mappings, and those updates need to be propagated into all processes
if the kernel mappings are not intrinsically shared.  This is done
with the pgd_list which the non-PAE case already maintains;
vmalloc_sync_all() simply returns early when the kernel pmd is shared.
pgd_list is threaded via otherwise unused entries in the page
structure for the pgd, which means that the pgd must be page-sized
when the kernel pmd is unshared.  Xen requires the PAE pgd to be page
aligned anyway.

Since there may be several distinct kernel pmds (if the user/kernel
split is below 3G), they are allocated with get_free_page and
initialized from swapper_pg_dir rather than coming from a slab cache.

Signed-off-by: Jeremy Fitzhardinge <jeremy@xensource.com>
Cc: Zachary Amsden <zach@vmware.com>
Cc: William Lee Irwin III <wli@holomorphy.com>
"""

V2_NOTES = """\
Changes since v1 (Andrew's review):
 - no _vmalloc_sync_all() and no wrapper: vmalloc_sync_all() keeps its
   name and returns early if (SHARED_KERNEL_PMD)
 - pgd_ctor() keeps clone_pgd_range() under pgd_lock in the !PAE case
 - non-PAE and non-paravirt PAE kernels are unchanged once
   SHARED_KERNEL_PMD is folded
"""

def make_v2():
    commit('v2', 'base', edits.edit_v2, JEREMY + ('Wed, 11 Apr 2007 16:22:05 -0700',), V2_MSG)
    mail = format_patch('-1', '--subject-prefix=PATCH v2 07/20', '--no-numbered')
    mail = set_headers(mail, """\
Message-Id: <461D6F1D.5020706@goop.org>
In-Reply-To: <20070404151839.1b4ee0a7.akpm@linux-foundation.org>
References: <20070404191158.563186000@goop.org> <20070404151839.1b4ee0a7.akpm@linux-foundation.org>
To: Andrew Morton <akpm@linux-foundation.org>
Cc: Andi Kleen <ak@suse.de>, virtualization@lists.osdl.org,
 lkml <linux-kernel@vger.kernel.org>""")
    # notes for reviewers go between the --- and the diffstat
    mail = mail.replace('\n---\n', '\n---\n' + V2_NOTES + '\n', 1)
    write('paravirt-pmd-sharing-v2.mbox', mail)

QL_WHO = ('Henrik Solberg', 'henrik.solberg@example.org', 'Mon, 2 Apr 2007 10:41:17 +0200')
QL_MSG = """\
i386: use quicklists for pgd allocation

Allocate i386 pgds from a quicklist instead of the pgd slab cache.
A pgd is always a whole page now, also with PAE: the slab constructor
and destructor become quicklist ones, pgd_cache goes away, and
check_pgt_cache() trims the per-cpu lists from the idle loop.

Freed pgds keep their kernel entries and their pgd_list membership
while they sit on the quicklist, so the constructor only runs for a
page that comes fresh from the page allocator, as with the slab.

Signed-off-by: Henrik Solberg <henrik.solberg@example.org>
"""

def make_quicklist():
    commit('quicklist', 'base', edits.edit_quicklist, QL_WHO, QL_MSG)
    mail = format_patch('-1', '--subject-prefix=PATCH', '--no-numbered')
    mail = set_headers(mail, """\
Message-Id: <20070402084117.GA7316@example.org>
To: Andrew Morton <akpm@linux-foundation.org>
Cc: linux-mm@kvack.org, lkml <linux-kernel@vger.kernel.org>""")
    write('quicklist-pgd.mbox', mail)

SER_WHO = ('Mira Castell', 'mira.castell@example.com')
SER_DATES = ['Fri, 13 Apr 2007 09:02:11 +0100', 'Fri, 13 Apr 2007 09:02:12 +0100',
             'Fri, 13 Apr 2007 09:02:13 +0100', 'Fri, 13 Apr 2007 09:02:14 +0100']
SER = [
("""paravirt: add pte_val and make_pte hooks to paravirt_ops

A backend whose page tables hold machine frame numbers needs to
translate when the kernel reads or builds a pte.  Add the two hooks,
with native versions that do what pte_val() and __pte() do today.
Nothing calls them yet.

Signed-off-by: Mira Castell <mira.castell@example.com>
""", edits.edit_series_1),
("""paravirt: add pgd_val and make_pgd hooks to paravirt_ops

The same for pgd entries, next to the pte hooks.

Signed-off-by: Mira Castell <mira.castell@example.com>
""", edits.edit_series_2),
("""paravirt: add paravirt_pte_val() and friends

Wrappers for the four conversion hooks, for the code that will call
them.  Macros, since the value type depends on CONFIG_X86_PAE.

Signed-off-by: Mira Castell <mira.castell@example.com>
""", edits.edit_series_3),
]

COVER_SUBJECT = 'paravirt: pte and pgd value conversion hooks'
COVER_BLURB = """\
This adds hooks to paravirt_ops that convert between pte and pgd
entries and their values, so that a backend using machine frame
numbers in its page tables can translate them.  All of it is inside
CONFIG_PARAVIRT: paravirt.c is only built with it, and the new fields
and wrappers sit in the CONFIG_PARAVIRT part of asm/paravirt.h.

Patch 2 goes on top of patch 1.
"""
IDS = ['<11764514313425-cover-mira.castell@example.com>',
       '<11764514321845-1-mira.castell@example.com>',
       '<11764514332214-2-mira.castell@example.com>',
       '<11764514343050-3-mira.castell@example.com>']

def make_series():
    parent = 'base'
    for i, (msg, edit) in enumerate(SER):
        commit('series', parent, edit, SER_WHO + (SER_DATES[i + 1],), msg)
        parent = 'series'
    out = format_patch('base..series', '--cover-letter', '--numbered', '--subject-prefix=PATCH',
                       env=ident(*SER_WHO + (SER_DATES[0],)))
    mails = re.split(r'(?m)^(?=From [0-9a-f]{40} Mon Sep 17 00:00:00 2001$)', out)
    mails = [m for m in mails if m]
    assert len(mails) == 4
    cover = mails[0]
    cover = cover.replace('*** SUBJECT HERE ***', COVER_SUBJECT)
    cover = cover.replace('*** BLURB HERE ***\n', COVER_BLURB)
    cover = re.sub(r'(?m)^Date: .*$', 'Date: ' + SER_DATES[0], cover, count=1)
    mails[0] = cover
    to = """To: Andrew Morton <akpm@linux-foundation.org>
Cc: Jeremy Fitzhardinge <jeremy@goop.org>, Zachary Amsden <zach@vmware.com>,
 virtualization@lists.osdl.org"""
    mails[0] = set_headers(mails[0], 'Message-Id: %s\n%s' % (IDS[0], to))
    for i in (1, 2, 3):
        mails[i] = set_headers(mails[i], 'Message-Id: %s\nIn-Reply-To: %s\nReferences: %s\n%s'
                               % (IDS[i], IDS[0], IDS[0], to))
    order = [0, 2, 1, 3]
    write('series-pte-hooks.mbox', ''.join(mails[i] if mails[i].endswith('\n\n') else mails[i] + '\n'
                                           for i in order))

def write(name, text):
    if not text.endswith('\n\n'):
        text += '\n'
    with open(os.path.join(OUT, name), 'w') as f:
        f.write(text)

if __name__ == '__main__':
    try:
        make_v1()
        setup()
        make_v2()
        make_quicklist()
        make_series()
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
