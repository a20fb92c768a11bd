#ifndef _I386_PAGE_H
#define _I386_PAGE_H

/* PAGE_SHIFT determines the page size */
#define PAGE_SHIFT	12
#define PAGE_SIZE	(1UL << PAGE_SHIFT)
#define PAGE_MASK	(~(PAGE_SIZE-1))

#define LARGE_PAGE_MASK	(~(LARGE_PAGE_SIZE-1))
#define LARGE_PAGE_SIZE	(1UL << PMD_SHIFT)

#ifdef __KERNEL__
#ifndef __ASSEMBLY__

#define clear_page(page)	memset((void *)(page), 0, PAGE_SIZE)
#define copy_page(to,from)	memcpy((void *)(to), (void *)(from), PAGE_SIZE)

#define clear_user_page(page, vaddr, pg)	clear_page(page)
#define copy_user_page(to, from, vaddr, pg)	copy_page(to, from)

#define alloc_zeroed_user_highpage(vma, vaddr) \
	alloc_page_vma(GFP_HIGHUSER | __GFP_ZERO, vma, vaddr)
#define __HAVE_ARCH_ALLOC_ZEROED_USER_HIGHPAGE

/*
 * These are used to make use of C type-checking: a pte, a pmd and a pgd
 * are distinct types even where they have the same representation.
 */
extern int nx_enabled;

#ifdef CONFIG_X86_PAE
/* PAE: 64-bit entries, the pte is kept as two 32-bit halves */
extern unsigned long long __supported_pte_mask;
typedef struct { unsigned long pte_low, pte_high; } pte_t;
typedef struct { unsigned long long pmd; } pmd_t;
typedef struct { unsigned long long pgd; } pgd_t;
typedef struct { unsigned long long pgprot; } pgprot_t;

#define pte_val(x)	((x).pte_low | ((unsigned long long)(x).pte_high << 32))
#define pmd_val(x)	((x).pmd)
#define pgd_val(x)	((x).pgd)
#define __pmd(x)	((pmd_t) { (x) } )
#define HPAGE_SHIFT	21
#include <asm-generic/pgtable-nopud.h>
#else
/* two levels: 32-bit entries, the pmd is folded into the pgd */
typedef struct { unsigned long pte_low; } pte_t;
typedef struct { unsigned long pgd; } pgd_t;
typedef struct { unsigned long pgprot; } pgprot_t;

#define boot_pte_t	pte_t	/* the boot tables use the same layout */
#define pte_val(x)	((x).pte_low)
#define pgd_val(x)	((x).pgd)
#define HPAGE_SHIFT	22
#include <asm-generic/pgtable-nopmd.h>
#endif

#define PTE_MASK	PAGE_MASK

#define HPAGE_SIZE	((1UL) << HPAGE_SHIFT)
#define HPAGE_MASK	(~(HPAGE_SIZE - 1))
#define HUGETLB_PAGE_ORDER	(HPAGE_SHIFT - PAGE_SHIFT)

#define pgprot_val(x)	((x).pgprot)
#define __pte(x)	((pte_t) { (x) } )
#define __pgd(x)	((pgd_t) { (x) } )
#define __pgprot(x)	((pgprot_t) { (x) } )

#endif /* !__ASSEMBLY__ */

/* round an address up to the next page boundary */
#define PAGE_ALIGN(addr)	(((addr)+PAGE_SIZE-1)&PAGE_MASK)

/*
 * The kernel's direct mapping of low memory starts at PAGE_OFFSET, set by
 * the VMSPLIT choice in Kconfig through CONFIG_PAGE_OFFSET (0xC0000000 for
 * the usual 3G/1G split).  Everything from there to the top of the address
 * space belongs to the kernel: with the 3G/1G split that leaves a little
 * under 1GB of directly mapped RAM, the rest is high memory (see
 * CONFIG_HIGHMEM4G and CONFIG_HIGHMEM64G).
 */

#ifndef __ASSEMBLY__

struct vm_area_struct;

/* address space kept back at the top for vmalloc, ioremap and fixmaps */
extern unsigned int __VMALLOC_RESERVE;

extern int sysctl_legacy_va_layout;

extern int page_is_ram(unsigned long pagenr);

#endif /* __ASSEMBLY__ */

#ifdef __ASSEMBLY__
#define __PAGE_OFFSET		CONFIG_PAGE_OFFSET
#else
#define __PAGE_OFFSET		((unsigned long)CONFIG_PAGE_OFFSET)
#endif

#define PAGE_OFFSET		((unsigned long)__PAGE_OFFSET)
#define VMALLOC_RESERVE		((unsigned long)__VMALLOC_RESERVE)
#define MAXMEM			(-__PAGE_OFFSET-__VMALLOC_RESERVE)
#define __pa(x)			((unsigned long)(x)-PAGE_OFFSET)
/* for the address of a C symbol, hidden from gcc's pointer arithmetic */
#define __pa_symbol(x)		__pa(RELOC_HIDE((unsigned long)(x),0))
#define __va(x)			((void *)((unsigned long)(x)+PAGE_OFFSET))
#define pfn_to_kaddr(pfn)	__va((pfn) << PAGE_SHIFT)
#define pfn_valid(pfn)		((pfn) < max_mapnr)
#define virt_to_page(kaddr)	pfn_to_page(__pa(kaddr) >> PAGE_SHIFT)

#define virt_addr_valid(kaddr)	pfn_valid(__pa(kaddr) >> PAGE_SHIFT)

#define VM_DATA_DEFAULT_FLAGS \
	(VM_READ | VM_WRITE | \
	((current->personality & READ_IMPLIES_EXEC) ? VM_EXEC : 0 ) | \
		 VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC)

#include <asm-generic/memory_model.h>
#include <asm-generic/page.h>

#define __HAVE_ARCH_GATE_AREA 1
#endif /* __KERNEL__ */

#endif /* _I386_PAGE_H */
