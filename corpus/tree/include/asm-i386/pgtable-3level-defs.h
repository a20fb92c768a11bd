#ifndef _I386_PGTABLE_3LEVEL_DEFS_H
#define _I386_PGTABLE_3LEVEL_DEFS_H

/*
 * PAE paging: the top level has only four entries of 1GB each, which
 * point to page middle directories of 512 entries of 2MB each.
 */
#define PGDIR_SHIFT	30
#define PTRS_PER_PGD	4

/* each pmd entry maps 2MB through one page table */
#define PMD_SHIFT	21
#define PTRS_PER_PMD	512

/* 64-bit ptes: 512 of them fill a page */
#define PTRS_PER_PTE	512

#endif /* _I386_PGTABLE_3LEVEL_DEFS_H */
