"""Edits that turn the sample tree into the post-image of each corpus patch."""
import os

def rd(root, path):
    with open(os.path.join(root, path)) as f:
        return f.read()

def wr(root, path, text):
    with open(os.path.join(root, path), 'w') as f:
        f.write(text)

def sub(root, path, pairs):
    s = rd(root, path)
    for a, b in pairs:
        n = s.count(a)
        assert n == 1, (path, n, a)
        s = s.replace(a, b)
    wr(root, path, s)

# ---------------------------------------------------------------- shared bits

def shared_kernel_pmd_defs(root):
    sub(root, 'include/asm-i386/pgtable-2level-defs.h', [(
"""#define _I386_PGTABLE_2LEVEL_DEFS_H
""",
"""#define _I386_PGTABLE_2LEVEL_DEFS_H

#define SHARED_KERNEL_PMD	0
""")])
    sub(root, 'include/asm-i386/pgtable-3level-defs.h', [(
"""#define _I386_PGTABLE_3LEVEL_DEFS_H
""",
"""#define _I386_PGTABLE_3LEVEL_DEFS_H

#ifdef CONFIG_PARAVIRT
#define SHARED_KERNEL_PMD	(paravirt_ops.shared_kernel_pmd)
#else
#define SHARED_KERNEL_PMD	1
#endif
""")])
    sub(root, 'include/asm-i386/paravirt.h', [(
"""	unsigned int kernel_rpl;
	int paravirt_enabled;
	const char *name;
""",
"""	unsigned int kernel_rpl;
	int shared_kernel_pmd;
	int paravirt_enabled;
	const char *name;
""")])
    sub(root, 'arch/i386/kernel/paravirt.c', [(
"""	.paravirt_enabled = 0,
	.kernel_rpl = 0,
""",
"""	.paravirt_enabled = 0,
	.kernel_rpl = 0,
	.shared_kernel_pmd = 1,	/* Only used when CONFIG_X86_PAE is set */
""")])
    # the no-op macro and the prototype leave the level headers
    sub(root, 'include/asm-i386/pgtable-3level.h', [(
"""#define __pmd_free_tlb(tlb, x)		do { } while (0)

/* the kernel pmd is shared by all pgds: nothing to propagate */
#define vmalloc_sync_all() ((void)0)

""",
"""#define __pmd_free_tlb(tlb, x)		do { } while (0)

""")])
    sub(root, 'include/asm-i386/pgtable-2level.h', [(
"""#define __swp_entry_to_pte(x)		((pte_t) { (x).val })

void vmalloc_sync_all(void);

""",
"""#define __swp_entry_to_pte(x)		((pte_t) { (x).val })

""")])


def pageattr(root):
    sub(root, 'arch/i386/mm/pageattr.c', [(
"""/*
 * Install pte in the kernel pmd entry kpte (of init_mm) that maps
 * address.  Without PAE every pgd has its own copy of the kernel pmd
 * entries, so walk pgd_list and change each of them as well; with PAE
 * the kernel pmd is shared and the first store was enough.
 */""",
"""/*
 * Install pte in the kernel pmd entry kpte (of init_mm) that maps
 * address.  Unless the kernel pmd is shared (PAE, and the paravirt
 * backend allows it), every pgd has its own copy of the kernel pmd
 * entries, so walk pgd_list and change each of them as well.
 */"""), (
"""	set_pte_atomic(kpte, pte);	/* change init_mm */
	if (PTRS_PER_PMD > 1)
		return;
""",
"""	set_pte_atomic(kpte, pte);	/* change init_mm */
	if (SHARED_KERNEL_PMD)
		return;
""")])


PGD_LIST_COMMENT_OLD = """/*
 * pgd_list links every pgd that has its own copy of the kernel pmd
 * entries, which is every pgd without PAE: a change to the kernel part
 * of swapper_pg_dir that cannot wait for a vmalloc fault to copy it
 * (pageattr.c splitting or joining a large page, vmalloc_sync_all())
 * must walk this list and make the change in each of them.  With PAE
 * the kernel pmd is shared by all pgds and the list stays empty.
 *"""
PGD_LIST_COMMENT_NEW = """/*
 * pgd_list links every pgd that has its own copy of the kernel pmd
 * entries: every pgd without PAE, and every pgd with PAE when the
 * paravirt backend does not let the kernel pmd be shared.  A change to
 * the kernel part of swapper_pg_dir that cannot wait for a vmalloc
 * fault to copy it (pageattr.c splitting or joining a large page,
 * vmalloc_sync_all()) must walk this list and make the change in each
 * of them.  With a shared kernel pmd the list stays empty.
 *"""

PGD_ALLOC_OLD = """/* never called when PTRS_PER_PMD > 1 */
void pgd_dtor(void *pgd, struct kmem_cache *cache, unsigned long unused)
{
	unsigned long flags;	/* pgd_dtor may run in interrupt context */

	paravirt_release_pd(__pa(pgd) >> PAGE_SHIFT);
	spin_lock_irqsave(&pgd_lock, flags);
	pgd_list_del(pgd);
	spin_unlock_irqrestore(&pgd_lock, flags);
}

pgd_t *pgd_alloc(struct mm_struct *mm)
{
	int i;
	pgd_t *pgd = kmem_cache_alloc(pgd_cache, GFP_KERNEL);

	if (PTRS_PER_PMD == 1 || !pgd)
		return pgd;

	/* PAE: every user pgd entry gets its own pmd up front */
	for (i = 0; i < USER_PTRS_PER_PGD; ++i) {
		pmd_t *pmd = kmem_cache_alloc(pmd_cache, GFP_KERNEL);

		if (!pmd)
			goto out_oom;
		paravirt_alloc_pd(__pa(pmd) >> PAGE_SHIFT);
		set_pgd(&pgd[i], __pgd(1 + __pa(pmd)));
	}
	return pgd;

out_oom:
	for (i--; i >= 0; i--) {
		pgd_t pgdent = pgd[i];
		void *pmd = (void *)__va(pgd_val(pgdent)-1);

		paravirt_release_pd(__pa(pmd) >> PAGE_SHIFT);
		kmem_cache_free(pmd_cache, pmd);
	}
	kmem_cache_free(pgd_cache, pgd);
	return NULL;
}

void pgd_free(pgd_t *pgd)
{
	int i;

	/* PAE: the user pmds belong to the pgd and go with it */
	if (PTRS_PER_PMD > 1)
		for (i = 0; i < USER_PTRS_PER_PGD; ++i) {
			pgd_t pgdent = pgd[i];
			void *pmd = (void *)__va(pgd_val(pgdent)-1);

			paravirt_release_pd(__pa(pmd) >> PAGE_SHIFT);
			kmem_cache_free(pmd_cache, pmd);
		}
	/* without PAE, free_pgtables() has already cleared the user entries */
	kmem_cache_free(pgd_cache, pgd);
}

struct kmem_cache *pgd_cache;
struct kmem_cache *pmd_cache;

void __init pgtable_cache_init(void)
{
	if (PTRS_PER_PMD > 1) {
		pmd_cache = kmem_cache_create("pmd",
					PTRS_PER_PMD*sizeof(pmd_t),
					PTRS_PER_PMD*sizeof(pmd_t),
					0,
					pmd_ctor,
					NULL);
		if (!pmd_cache)
			panic("pgtable_cache_init(): cannot create pmd cache");
	}
	pgd_cache = kmem_cache_create("pgd",
				PTRS_PER_PGD*sizeof(pgd_t),
				PTRS_PER_PGD*sizeof(pgd_t),
				0,
				pgd_ctor,
				PTRS_PER_PMD == 1 ? pgd_dtor : NULL);
	if (!pgd_cache)
		panic("pgtable_cache_init(): Cannot create pgd cache");
}
"""

PGD_ALLOC_NEW = """/* never called when the kernel pmd is shared */
void pgd_dtor(void *pgd, struct kmem_cache *cache, unsigned long unused)
{
	unsigned long flags;	/* pgd_dtor may run in interrupt context */

	paravirt_release_pd(__pa(pgd) >> PAGE_SHIFT);
	spin_lock_irqsave(&pgd_lock, flags);
	pgd_list_del(pgd);
	spin_unlock_irqrestore(&pgd_lock, flags);
}

/* PAE: how many pgd entries get a pmd of their own in pgd_alloc() */
#define UNSHARED_PTRS_PER_PGD				\\
	(SHARED_KERNEL_PMD ? USER_PTRS_PER_PGD : PTRS_PER_PGD)

/*
 * User pmds come from pmd_cache.  An unshared kernel pmd starts as a
 * copy of swapper_pg_dir's; there may be several of them (with a
 * user/kernel split below 3G), so they are not worth a cache and come
 * straight from the page allocator.
 */
static pmd_t *pmd_cache_alloc(int idx)
{
	pmd_t *pmd;

	if (idx < USER_PTRS_PER_PGD)
		return kmem_cache_alloc(pmd_cache, GFP_KERNEL);

	pmd = (pmd_t *)__get_free_page(GFP_KERNEL);
	if (pmd)
		memcpy(pmd, (void *)pgd_page_vaddr(swapper_pg_dir[idx]),
		       sizeof(pmd_t) * PTRS_PER_PMD);
	return pmd;
}

static void pmd_cache_free(pmd_t *pmd, int idx)
{
	if (idx < USER_PTRS_PER_PGD)
		kmem_cache_free(pmd_cache, pmd);
	else
		free_page((unsigned long)pmd);
}

pgd_t *pgd_alloc(struct mm_struct *mm)
{
	int i;
	pgd_t *pgd = kmem_cache_alloc(pgd_cache, GFP_KERNEL);

	if (PTRS_PER_PMD == 1 || !pgd)
		return pgd;

	/* PAE: user pmds always, kernel pmds when they are not shared */
	for (i = 0; i < UNSHARED_PTRS_PER_PGD; ++i) {
		pmd_t *pmd = pmd_cache_alloc(i);

		if (!pmd)
			goto out_oom;
		paravirt_alloc_pd(__pa(pmd) >> PAGE_SHIFT);
		set_pgd(&pgd[i], __pgd(1 + __pa(pmd)));
	}
	return pgd;

out_oom:
	for (i--; i >= 0; i--) {
		pgd_t pgdent = pgd[i];
		void *pmd = (void *)__va(pgd_val(pgdent)-1);

		paravirt_release_pd(__pa(pmd) >> PAGE_SHIFT);
		pmd_cache_free(pmd, i);
	}
	kmem_cache_free(pgd_cache, pgd);
	return NULL;
}

void pgd_free(pgd_t *pgd)
{
	int i;

	/* PAE: the pmds allocated by pgd_alloc() go with the pgd */
	if (PTRS_PER_PMD > 1)
		for (i = 0; i < UNSHARED_PTRS_PER_PGD; ++i) {
			pgd_t pgdent = pgd[i];
			void *pmd = (void *)__va(pgd_val(pgdent)-1);

			paravirt_release_pd(__pa(pmd) >> PAGE_SHIFT);
			pmd_cache_free(pmd, i);
		}
	/* without PAE, free_pgtables() has already cleared the user entries */
	kmem_cache_free(pgd_cache, pgd);
}

struct kmem_cache *pgd_cache;
struct kmem_cache *pmd_cache;

void __init pgtable_cache_init(void)
{
	size_t pgd_size = PTRS_PER_PGD*sizeof(pgd_t);

	if (PTRS_PER_PMD > 1) {
		pmd_cache = kmem_cache_create("pmd",
					PTRS_PER_PMD*sizeof(pmd_t),
					PTRS_PER_PMD*sizeof(pmd_t),
					0,
					pmd_ctor,
					NULL);
		if (!pmd_cache)
			panic("pgtable_cache_init(): cannot create pmd cache");

		if (!SHARED_KERNEL_PMD) {
			/*
			 * pgd_list is threaded through the pgd's struct
			 * page, so an unshared PAE pgd needs a page of its
			 * own (Xen wants it page-aligned anyway).
			 */
			pgd_size = PAGE_SIZE;
		}
	}
	pgd_cache = kmem_cache_create("pgd",
				pgd_size,
				pgd_size,
				0,
				pgd_ctor,
				(!SHARED_KERNEL_PMD) ? pgd_dtor : NULL);
	if (!pgd_cache)
		panic("pgtable_cache_init(): Cannot create pgd cache");
}
"""

PGD_CTOR_OLD = """void pgd_ctor(void *pgd, struct kmem_cache *cache, unsigned long unused)
{
	unsigned long flags;

	if (PTRS_PER_PMD == 1) {
		memset(pgd, 0, USER_PTRS_PER_PGD*sizeof(pgd_t));
		spin_lock_irqsave(&pgd_lock, flags);
	}

	clone_pgd_range((pgd_t *)pgd + USER_PTRS_PER_PGD,
			swapper_pg_dir + USER_PTRS_PER_PGD,
			KERNEL_PGD_PTRS);

	if (PTRS_PER_PMD > 1)
		return;

	/* must happen under lock */
"""

# v1: clone_pgd_range() moves out from under pgd_lock in the !PAE branch
PGD_CTOR_V1 = """void pgd_ctor(void *pgd, struct kmem_cache *cache, unsigned long unused)
{
	unsigned long flags;

	if (PTRS_PER_PMD > 1) {
		/* PAE: kernel pmd shared, or set up by pgd_alloc() */
		if (SHARED_KERNEL_PMD)
			clone_pgd_range((pgd_t *)pgd + USER_PTRS_PER_PGD,
					swapper_pg_dir + USER_PTRS_PER_PGD,
					KERNEL_PGD_PTRS);
	} else {
		memset(pgd, 0, USER_PTRS_PER_PGD*sizeof(pgd_t));
		clone_pgd_range((pgd_t *)pgd + USER_PTRS_PER_PGD,
				swapper_pg_dir + USER_PTRS_PER_PGD,
				KERNEL_PGD_PTRS);
	}

	/* a shared kernel pmd needs no pgd_list */
	if (SHARED_KERNEL_PMD)
		return;

	spin_lock_irqsave(&pgd_lock, flags);

	/* must happen under lock */
"""

# v2: the same structure as before, SHARED_KERNEL_PMD folded in
PGD_CTOR_V2 = """void pgd_ctor(void *pgd, struct kmem_cache *cache, unsigned long unused)
{
	unsigned long flags;

	if (PTRS_PER_PMD == 1 || !SHARED_KERNEL_PMD) {
		memset(pgd, 0, USER_PTRS_PER_PGD*sizeof(pgd_t));
		spin_lock_irqsave(&pgd_lock, flags);
	}

	/* an unshared PAE kernel pmd is set up by pgd_alloc() */
	if (PTRS_PER_PMD == 1 || SHARED_KERNEL_PMD)
		clone_pgd_range((pgd_t *)pgd + USER_PTRS_PER_PGD,
				swapper_pg_dir + USER_PTRS_PER_PGD,
				KERNEL_PGD_PTRS);

	if (SHARED_KERNEL_PMD)
		return;

	/* must happen under lock */
"""


def pgtable_c(root, ctor):
    sub(root, 'arch/i386/mm/pgtable.c', [
        (PGD_LIST_COMMENT_OLD, PGD_LIST_COMMENT_NEW),
        (PGD_CTOR_OLD, ctor),
        (PGD_ALLOC_OLD, PGD_ALLOC_NEW),
    ])

# ---------------------------------------------------------------- (a) v1

def edit_v1(root):
    shared_kernel_pmd_defs(root)
    sub(root, 'include/asm-i386/pgtable.h', [(
"""#ifdef CONFIG_X86_PAE
# include <asm/pgtable-3level.h>
#else
# include <asm/pgtable-2level.h>
#endif
""",
"""#ifdef CONFIG_X86_PAE
# include <asm/pgtable-3level.h>
#else
# include <asm/pgtable-2level.h>
#endif

void _vmalloc_sync_all(void);

/*
 * An unshared kernel pmd has a copy in every pgd: new vmalloc mappings
 * must be propagated to all of them.
 */
static inline void vmalloc_sync_all(void)
{
	if (!SHARED_KERNEL_PMD)
		_vmalloc_sync_all();
}
""")])
    sub(root, 'arch/i386/mm/fault.c', [(
"""#ifndef CONFIG_X86_PAE
void vmalloc_sync_all(void)
{
""",
"""void _vmalloc_sync_all(void)
{
"""), (
"""	unsigned long address;
	for (address = start; address >= TASK_SIZE; address += PGDIR_SIZE) {
""",
"""	unsigned long address;

	/* only called when the kernel pmd is not shared */
	for (address = start; address >= TASK_SIZE; address += PGDIR_SIZE) {
"""), (
"""			start = address + PGDIR_SIZE;
	}
}
#endif
""",
"""			start = address + PGDIR_SIZE;
	}
}
""")])
    pageattr(root)
    pgtable_c(root, PGD_CTOR_V1)

# ---------------------------------------------------------------- (b) v2

def edit_v2(root):
    shared_kernel_pmd_defs(root)
    sub(root, 'include/asm-i386/pgtable.h', [(
"""#ifdef CONFIG_X86_PAE
# include <asm/pgtable-3level.h>
#else
# include <asm/pgtable-2level.h>
#endif
""",
"""#ifdef CONFIG_X86_PAE
# include <asm/pgtable-3level.h>
#else
# include <asm/pgtable-2level.h>
#endif

void vmalloc_sync_all(void);
""")])
    sub(root, 'arch/i386/mm/fault.c', [(
"""#ifndef CONFIG_X86_PAE
void vmalloc_sync_all(void)
{
""",
"""void vmalloc_sync_all(void)
{
"""), (
"""	unsigned long address;
	for (address = start; address >= TASK_SIZE; address += PGDIR_SIZE) {
""",
"""	unsigned long address;

	if (SHARED_KERNEL_PMD)
		return;

	for (address = start; address >= TASK_SIZE; address += PGDIR_SIZE) {
"""), (
"""			start = address + PGDIR_SIZE;
	}
}
#endif
""",
"""			start = address + PGDIR_SIZE;
	}
}
""")])
    pageattr(root)
    pgtable_c(root, PGD_CTOR_V2)

# ---------------------------------------------------------------- (c) quicklists

def edit_quicklist(root):
    sub(root, 'arch/i386/mm/pgtable.c', [(
"""#include <linux/spinlock.h>
#include <linux/module.h>
""",
"""#include <linux/spinlock.h>
#include <linux/module.h>
#include <linux/quicklist.h>
"""), (
"""void pgd_ctor(void *pgd, struct kmem_cache *cache, unsigned long unused)
{""",
"""static void pgd_ctor(void *pgd)
{"""), (
"""/* never called when PTRS_PER_PMD > 1 */
void pgd_dtor(void *pgd, struct kmem_cache *cache, unsigned long unused)
{
	unsigned long flags;	/* pgd_dtor may run in interrupt context */

	paravirt_release_pd""",
"""static void pgd_dtor(void *pgd)
{
	unsigned long flags;	/* pgd_dtor may run in interrupt context */

	/* a PAE pgd is not on pgd_list */
	if (PTRS_PER_PMD > 1)
		return;

	paravirt_release_pd"""), (
"""	int i;
	pgd_t *pgd = kmem_cache_alloc(pgd_cache, GFP_KERNEL);

	if (PTRS_PER_PMD == 1 || !pgd)
		return pgd;
""",
"""	int i;
	pgd_t *pgd = quicklist_alloc(0, GFP_KERNEL, pgd_ctor);

	if (PTRS_PER_PMD == 1 || !pgd)
		return pgd;
"""), (
"""		kmem_cache_free(pmd_cache, pmd);
	}
	kmem_cache_free(pgd_cache, pgd);
	return NULL;
}
""",
"""		kmem_cache_free(pmd_cache, pmd);
	}
	quicklist_free(0, pgd_dtor, pgd);
	return NULL;
}
"""), (
"""	/* without PAE, free_pgtables() has already cleared the user entries */
	kmem_cache_free(pgd_cache, pgd);
}

struct kmem_cache *pgd_cache;
struct kmem_cache *pmd_cache;
""",
"""	/* without PAE, free_pgtables() has already cleared the user entries */
	quicklist_free(0, pgd_dtor, pgd);
}

/*
 * Called from the idle loop and after unmapping: give back pgd pages
 * beyond the 16 kept per cpu, at most 25% of the free ones at a time.
 */
void check_pgt_cache(void)
{
	quicklist_trim(0, pgd_dtor, 25, 16);
}

struct kmem_cache *pmd_cache;
"""), (
"""		if (!pmd_cache)
			panic("pgtable_cache_init(): cannot create pmd cache");
	}
	pgd_cache = kmem_cache_create("pgd",
				PTRS_PER_PGD*sizeof(pgd_t),
				PTRS_PER_PGD*sizeof(pgd_t),
				0,
				pgd_ctor,
				PTRS_PER_PMD == 1 ? pgd_dtor : NULL);
	if (!pgd_cache)
		panic("pgtable_cache_init(): Cannot create pgd cache");
}
""",
"""		if (!pmd_cache)
			panic("pgtable_cache_init(): cannot create pmd cache");
	}
}
""")])
    sub(root, 'include/asm-i386/pgtable.h', [(
"""extern pgd_t swapper_pg_dir[1024];
extern struct kmem_cache *pgd_cache;
extern struct kmem_cache *pmd_cache;
""",
"""extern pgd_t swapper_pg_dir[1024];
extern struct kmem_cache *pmd_cache;
"""), (
"""void pmd_ctor(void *, struct kmem_cache *, unsigned long);
void pgd_ctor(void *, struct kmem_cache *, unsigned long);
void pgd_dtor(void *, struct kmem_cache *, unsigned long);
void pgtable_cache_init(void);
""",
"""void pmd_ctor(void *, struct kmem_cache *, unsigned long);
void pgtable_cache_init(void);
""")])
    sub(root, 'include/asm-i386/pgalloc.h', [(
"""#define check_pgt_cache()	do { } while (0)
""",
"""extern void check_pgt_cache(void);
""")])
    sub(root, 'arch/i386/Kconfig', [(
"""config HIGHPTE
""",
"""config QUICKLIST
	bool
	default y

config NR_QUICK
	int
	depends on QUICKLIST
	default "1"

config HIGHPTE
""")])

# ---------------------------------------------------------------- (d) series

def edit_series_1(root):
    sub(root, 'include/asm-i386/paravirt.h', [(
"""	void (*release_pt)(u32 pfn);
	void (*release_pd)(u32 pfn);
""",
"""	void (*release_pt)(u32 pfn);
	void (*release_pd)(u32 pfn);

	/*
	 * The value of a pte as the kernel sees it, and back.  A backend
	 * whose page tables hold machine rather than pseudo-physical
	 * frame numbers translates here.
	 */
#ifdef CONFIG_X86_PAE
	unsigned long long (*pte_val)(pte_t);
	pte_t (*make_pte)(unsigned long long pte);
#else
	unsigned long (*pte_val)(pte_t);
	pte_t (*make_pte)(unsigned long pte);
#endif
""")])
    sub(root, 'arch/i386/kernel/paravirt.c', [(
"""static void native_flush_tlb_single(u32 addr)
{
	__native_flush_tlb_single(addr);
}
""",
"""static void native_flush_tlb_single(u32 addr)
{
	__native_flush_tlb_single(addr);
}

#ifdef CONFIG_X86_PAE
static unsigned long long native_pte_val(pte_t pte)
{
	return pte.pte_low | ((unsigned long long)pte.pte_high << 32);
}

static pte_t native_make_pte(unsigned long long val)
{
	return (pte_t) { .pte_low = val, .pte_high = (val >> 32) };
}
#else
static unsigned long native_pte_val(pte_t pte)
{
	return pte.pte_low;
}

static pte_t native_make_pte(unsigned long val)
{
	return (pte_t) { .pte_low = val };
}
#endif
"""), (
"""	.release_pt = (void *)native_nop,
	.release_pd = (void *)native_nop,
""",
"""	.release_pt = (void *)native_nop,
	.release_pd = (void *)native_nop,

	.pte_val = native_pte_val,
	.make_pte = native_make_pte,
""")])


def edit_series_2(root):
    sub(root, 'include/asm-i386/paravirt.h', [(
"""#ifdef CONFIG_X86_PAE
	unsigned long long (*pte_val)(pte_t);
	pte_t (*make_pte)(unsigned long long pte);
#else
	unsigned long (*pte_val)(pte_t);
	pte_t (*make_pte)(unsigned long pte);
#endif
""",
"""#ifdef CONFIG_X86_PAE
	unsigned long long (*pte_val)(pte_t);
	pte_t (*make_pte)(unsigned long long pte);
	unsigned long long (*pgd_val)(pgd_t);
	pgd_t (*make_pgd)(unsigned long long pgd);
#else
	unsigned long (*pte_val)(pte_t);
	pte_t (*make_pte)(unsigned long pte);
	unsigned long (*pgd_val)(pgd_t);
	pgd_t (*make_pgd)(unsigned long pgd);
#endif
""")])
    sub(root, 'arch/i386/kernel/paravirt.c', [(
"""static pte_t native_make_pte(unsigned long long val)
{
	return (pte_t) { .pte_low = val, .pte_high = (val >> 32) };
}
""",
"""static pte_t native_make_pte(unsigned long long val)
{
	return (pte_t) { .pte_low = val, .pte_high = (val >> 32) };
}

static unsigned long long native_pgd_val(pgd_t pgd)
{
	return pgd.pgd;
}

static pgd_t native_make_pgd(unsigned long long val)
{
	return (pgd_t) { val };
}
"""), (
"""static pte_t native_make_pte(unsigned long val)
{
	return (pte_t) { .pte_low = val };
}
""",
"""static pte_t native_make_pte(unsigned long val)
{
	return (pte_t) { .pte_low = val };
}

static unsigned long native_pgd_val(pgd_t pgd)
{
	return pgd.pgd;
}

static pgd_t native_make_pgd(unsigned long val)
{
	return (pgd_t) { val };
}
"""), (
"""	.pte_val = native_pte_val,
	.make_pte = native_make_pte,
""",
"""	.pte_val = native_pte_val,
	.make_pte = native_make_pte,
	.pgd_val = native_pgd_val,
	.make_pgd = native_make_pgd,
""")])


def edit_series_3(root):
    sub(root, 'include/asm-i386/paravirt.h', [(
"""static inline void paravirt_release_pd(unsigned pfn)
{
	paravirt_ops.release_pd(pfn);
}
""",
"""static inline void paravirt_release_pd(unsigned pfn)
{
	paravirt_ops.release_pd(pfn);
}

/*
 * pte and pgd values through the backend.  Macros, because the type of
 * the value depends on CONFIG_X86_PAE.
 */
#define paravirt_pte_val(pte)	(paravirt_ops.pte_val(pte))
#define paravirt_make_pte(val)	(paravirt_ops.make_pte(val))
#define paravirt_pgd_val(pgd)	(paravirt_ops.pgd_val(pgd))
#define paravirt_make_pgd(val)	(paravirt_ops.make_pgd(val))
""")])
