#ifndef __ASM_I386_PROCESSOR_H
#define __ASM_I386_PROCESSOR_H

/*
 * reviewtool sample tree: only the part of the 2.6.21 processor.h that
 * the memory management code here depends on.
 */

#include <asm/page.h>

/*
 * User space process size: everything below the kernel's direct
 * mapping.  3GB with the default CONFIG_PAGE_OFFSET of 0xC0000000.
 */
#define TASK_SIZE	(PAGE_OFFSET)

/*
 * Where the kernel looks for free space when it places a new mmap:
 * a third of the user address space.
 */
#define TASK_UNMAPPED_BASE	(PAGE_ALIGN(TASK_SIZE / 3))

#ifndef CONFIG_PARAVIRT
#define read_cr2() ({ \
	unsigned int __dummy; \
	__asm__ __volatile__("movl %%cr2,%0\n\t" :"=r" (__dummy)); \
	__dummy; \
})
#define read_cr3() ({ \
	unsigned int __dummy; \
	__asm__ __volatile__("movl %%cr3,%0\n\t" :"=r" (__dummy)); \
	__dummy; \
})
#define write_cr3(x) \
	__asm__ __volatile__("movl %0,%%cr3": :"r" (x))
#endif /* CONFIG_PARAVIRT */

#endif /* __ASM_I386_PROCESSOR_H */
