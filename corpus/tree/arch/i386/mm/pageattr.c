/*
 * Changing the attributes of pages in the kernel's linear mapping.
 *
 * reviewtool sample tree: written for the sample from the facts of the
 * 2.6.21 arch/i386/mm/pageattr.c (Copyright 2002 Andi Kleen, SuSE Labs).
 */

#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/highmem.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <asm/uaccess.h>
#include <asm/processor.h>
#include <asm/tlbflush.h>
#include <asm/pgalloc.h>
#include <asm/sections.h>

/* serialises change_page_attr() callers and protects df_list */
static DEFINE_SPINLOCK(cpa_lock);

/* page table pages waiting for global_flush_tlb() to free them */
static struct list_head df_list = LIST_HEAD_INIT(df_list);

/*
 * Find the kernel pte that maps address.  For an address mapped by a
 * large page the pmd entry itself is returned (as a pte pointer).
 */
pte_t *lookup_address(unsigned long address)
{
	pgd_t *pgd = pgd_offset_k(address);
	pud_t *pud;
	pmd_t *pmd;

	if (pgd_none(*pgd))
		return NULL;
	pud = pud_offset(pgd, address);
	if (pud_none(*pud))
		return NULL;
	pmd = pmd_offset(pud, address);
	if (pmd_none(*pmd))
		return NULL;
	if (pmd_large(*pmd))
		return (pte_t *)pmd;
	return pte_offset_kernel(pmd, address);
}

/*
 * Build a page table that maps the large page around address with small
 * pages: prot for the page at address, ref_prot for all the others.
 * Called with cpa_lock held; drops it around the allocation.
 */
static struct page *split_large_page(unsigned long address, pgprot_t prot,
				     pgprot_t ref_prot)
{
	int i;
	unsigned long addr;
	struct page *base;
	pte_t *pbase;

	spin_unlock_irq(&cpa_lock);
	base = alloc_pages(GFP_KERNEL, 0);
	spin_lock_irq(&cpa_lock);
	if (!base)
		return NULL;

	/*
	 * page_private of a split page table page counts its entries whose
	 * attributes differ from the large page it replaced; at zero the
	 * large page can come back.
	 */
	SetPagePrivate(base);
	page_private(base) = 0;

	address = __pa(address);
	addr = address & LARGE_PAGE_MASK;
	pbase = (pte_t *)page_address(base);
	paravirt_alloc_pt(page_to_pfn(base));
	for (i = 0; i < PTRS_PER_PTE; i++, addr += PAGE_SIZE) {
		pgprot_t this_prot = addr == address ? prot : ref_prot;

		set_pte(&pbase[i], pfn_pte(addr >> PAGE_SHIFT, this_prot));
	}
	return base;
}

static void cache_flush_page(struct page *p)
{
	unsigned long adr = (unsigned long)page_address(p);
	int i;

	for (i = 0; i < PAGE_SIZE; i += boot_cpu_data.x86_clflush_size)
		asm volatile("clflush (%0)" :: "r" (adr + i));
}

static void flush_kernel_map(void *arg)
{
	struct list_head *lh = (struct list_head *)arg;
	struct page *p;

	/* clflush is not trusted here yet: write back everything instead */
	if (0 && cpu_has_clflush) {
		list_for_each_entry(p, lh, lru)
			cache_flush_page(p);
	} else if (boot_cpu_data.x86_model >= 4)
		wbinvd();

	/*
	 * Flush the whole TLB: early Athlons do not reliably drop a large
	 * page with a single-page flush.
	 */
	__flush_tlb_all();
}

/*
 * Install pte in the kernel pmd entry kpte (of init_mm) that maps
 * address.  Without PAE every pgd has its own copy of the kernel pmd
 * entries, so walk pgd_list and change each of them as well; with PAE
 * the kernel pmd is shared and the first store was enough.
 */
static void set_pmd_pte(pte_t *kpte, unsigned long address, pte_t pte)
{
	struct page *page;
	unsigned long flags;

	set_pte_atomic(kpte, pte);	/* change init_mm */
	if (PTRS_PER_PMD > 1)
		return;

	spin_lock_irqsave(&pgd_lock, flags);
	for (page = pgd_list; page; page = (struct page *)page->index) {
		pgd_t *pgd;
		pud_t *pud;
		pmd_t *pmd;

		pgd = (pgd_t *)page_address(page) + pgd_index(address);
		pud = pud_offset(pgd, address);
		pmd = pmd_offset(pud, address);
		set_pte_atomic((pte_t *)pmd, pte);
	}
	spin_unlock_irqrestore(&pgd_lock, flags);
}

/*
 * Every small page of this large-page area is back to the default
 * protection: map the area with one large page again.
 */
static inline void revert_page(struct page *kpte_page, unsigned long address)
{
	pgprot_t ref_prot;
	pte_t *linear;

	if ((address & LARGE_PAGE_MASK) < (unsigned long)&_etext)
		ref_prot = PAGE_KERNEL_LARGE_EXEC;
	else
		ref_prot = PAGE_KERNEL_LARGE;

	linear = (pte_t *)
		pmd_offset(pud_offset(pgd_offset_k(address), address), address);
	set_pmd_pte(linear, address,
		    pfn_pte((__pa(address) & LARGE_PAGE_MASK) >> PAGE_SHIFT,
			    ref_prot));
}

static int __change_page_attr(struct page *page, pgprot_t prot)
{
	pte_t *kpte;
	unsigned long address;
	struct page *kpte_page;

	BUG_ON(PageHighMem(page));
	address = (unsigned long)page_address(page);

	kpte = lookup_address(address);
	if (!kpte)
		return -EINVAL;
	kpte_page = virt_to_page(kpte);

	if (pgprot_val(prot) != pgprot_val(PAGE_KERNEL)) {
		if (!pte_huge(*kpte)) {
			set_pte_atomic(kpte, mk_pte(page, prot));
		} else {
			pgprot_t ref_prot;
			struct page *split;

			if ((address & LARGE_PAGE_MASK) < (unsigned long)&_etext)
				ref_prot = PAGE_KERNEL_EXEC;
			else
				ref_prot = PAGE_KERNEL;
			split = split_large_page(address, prot, ref_prot);
			if (!split)
				return -ENOMEM;
			set_pmd_pte(kpte, address, mk_pte(split, ref_prot));
			kpte_page = split;
		}
		page_private(kpte_page)++;
	} else if (!pte_huge(*kpte)) {
		set_pte_atomic(kpte, mk_pte(page, PAGE_KERNEL));
		BUG_ON(page_private(kpte_page) == 0);
		page_private(kpte_page)--;
	} else
		BUG();

	/*
	 * A reserved page table page was set up at boot, not by
	 * split_large_page(): leave it alone.  Otherwise, once no entry
	 * differs any more, queue it for freeing and go back to a large page.
	 */
	if (!PageReserved(kpte_page)) {
		if (cpu_has_pse && (page_private(kpte_page) == 0)) {
			ClearPagePrivate(kpte_page);
			paravirt_release_pt(page_to_pfn(kpte_page));
			list_add(&kpte_page->lru, &df_list);
			revert_page(kpte_page, address);
		}
	}
	return 0;
}

static inline void flush_map(struct list_head *l)
{
	on_each_cpu(flush_kernel_map, l, 1, 1);
}

/*
 * change_page_attr - change the protection of pages in the linear mapping
 * @page: first page
 * @numpages: number of pages
 * @prot: new protection
 *
 * For memory that is also mapped elsewhere with another caching policy
 * (some CPUs misbehave when two mappings of a page disagree).  Only the
 * kernel's linear mapping is changed; the caller makes sure the other
 * mappings agree, and calls global_flush_tlb() afterwards.
 */
int change_page_attr(struct page *page, int numpages, pgprot_t prot)
{
	int err = 0;
	int i;
	unsigned long flags;

	spin_lock_irqsave(&cpa_lock, flags);
	for (i = 0; i < numpages; i++, page++) {
		err = __change_page_attr(page, prot);
		if (err)
			break;
	}
	spin_unlock_irqrestore(&cpa_lock, flags);
	return err;
}

void global_flush_tlb(void)
{
	struct list_head l;
	struct page *pg, *next;

	BUG_ON(irqs_disabled());

	spin_lock_irq(&cpa_lock);
	list_replace_init(&df_list, &l);
	spin_unlock_irq(&cpa_lock);
	flush_map(&l);
	list_for_each_entry_safe(pg, next, &l, lru)
		__free_page(pg);
}

#ifdef CONFIG_DEBUG_PAGEALLOC
void kernel_map_pages(struct page *page, int numpages, int enable)
{
	if (PageHighMem(page))
		return;
	if (!enable)
		debug_check_no_locks_freed(page_address(page),
					   numpages * PAGE_SIZE);

	/*
	 * Large pages are off at boot with DEBUG_PAGEALLOC, so this cannot
	 * fail and the result is not checked.
	 */
	change_page_attr(page, numpages, enable ? PAGE_KERNEL : __pgprot(0));

	/*
	 * Only the local TLB: an IPI to flush the others could deadlock
	 * in the contexts this is called from.
	 */
	__flush_tlb_all();
}
#endif

EXPORT_SYMBOL(change_page_attr);
EXPORT_SYMBOL(global_flush_tlb);
