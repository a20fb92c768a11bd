#ifndef _LINUX_MM_H
#define _LINUX_MM_H

/*
 * reviewtool sample tree: of the real <linux/mm.h> only the includes that the
 * i386 memory-management code relies on to see the page-table definitions.
 */
#ifdef __KERNEL__

#include <asm/page.h>
#include <asm/pgtable.h>
#include <asm/processor.h>

#endif /* __KERNEL__ */
#endif /* _LINUX_MM_H */
