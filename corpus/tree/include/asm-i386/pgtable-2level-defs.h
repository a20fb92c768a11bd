#ifndef _I386_PGTABLE_2LEVEL_DEFS_H
#define _I386_PGTABLE_2LEVEL_DEFS_H

/*
 * Classic i386 paging: a page directory of 1024 entries, each mapping a
 * 4MB region through a page table of 1024 ptes.
 */
#define PGDIR_SHIFT	22
#define PTRS_PER_PGD	1024

/*
 * There is no middle level in the hardware: the pmd is folded into
 * the pgd entry, one pmd per pgd entry.
 */
#define PTRS_PER_PMD	1

#define PTRS_PER_PTE	1024

#endif /* _I386_PGTABLE_2LEVEL_DEFS_H */
