/*
 *  linux/arch/i386/mm/fault.c
 *
 *  Copyright (C) 1995  Linus Torvalds
 *
 * reviewtool sample tree: written from the facts of the 2.6.21 file.
 */

#include <linux/signal.h>
#include <linux/sched.h>
#include <linux/kernel.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/ptrace.h>
#include <linux/mman.h>
#include <linux/mm.h>
#include <linux/smp.h>
#include <linux/interrupt.h>
#include <linux/init.h>
#include <linux/highmem.h>
#include <linux/bootmem.h>		/* max_low_pfn */
#include <linux/vmalloc.h>
#include <linux/module.h>
#include <linux/kprobes.h>
#include <linux/uaccess.h>

#include <asm/system.h>
#include <asm/desc.h>
#include <asm/kdebug.h>
#include <asm/segment.h>
#include <asm/pgalloc.h>
#include <asm/pgtable.h>

extern void die(const char *, struct pt_regs *, long);

#ifdef CONFIG_KPROBES
/*
 * Kprobes sees page faults first, vmalloc faults included: its handler
 * must be mapped in every page table first, hence vmalloc_sync_all().
 */
static ATOMIC_NOTIFIER_HEAD(notify_page_fault_chain);

int register_page_fault_notifier(struct notifier_block *nb)
{
	vmalloc_sync_all();
	return atomic_notifier_chain_register(&notify_page_fault_chain, nb);
}
EXPORT_SYMBOL_GPL(register_page_fault_notifier);

int unregister_page_fault_notifier(struct notifier_block *nb)
{
	return atomic_notifier_chain_unregister(&notify_page_fault_chain, nb);
}
EXPORT_SYMBOL_GPL(unregister_page_fault_notifier);

static inline int notify_page_fault(struct pt_regs *regs, long err)
{
	struct die_args args = {
		.regs = regs,
		.str = "page fault",
		.err = err,
		.trapnr = 14,
		.signr = SIGSEGV
	};

	return atomic_notifier_call_chain(&notify_page_fault_chain,
					  DIE_PAGE_FAULT, &args);
}
#else
static inline int notify_page_fault(struct pt_regs *regs, long err)
{
	return NOTIFY_DONE;
}
#endif

/*
 * The linear address of the faulting instruction (EIP plus the code
 * segment base); *eip_limit gets the segment's end, clamped to user or
 * kernel space.  The segment is looked up afresh (the LDT may have
 * changed); if it is unusable the result is above *eip_limit.
 */
static inline unsigned long get_segment_eip(struct pt_regs *regs,
					    unsigned long *eip_limit)
{
	unsigned long eip = regs->eip;
	unsigned seg = regs->xcs & 0xffff;
	u32 seg_ar, seg_limit, base, *desc;

	/* vm86 mode: real-mode style segments, checked before anything */
	if (unlikely(regs->eflags & VM_MASK)) {
		base = seg << 4;
		*eip_limit = base + 0xffff;
		return base + (eip & 0xffff);
	}

	/* to start with, the limit of the whole user or kernel space */
	*eip_limit = user_mode(regs) ? USER_DS.seg : KERNEL_DS.seg;

	/* nearly always: the flat user or kernel code segment */
	if (likely(SEGMENT_IS_FLAT_CODE(seg)))
		return eip;

	/*
	 * lar/lsl check that the selector is valid and usable from this
	 * privilege level, and give its access rights and limit.
	 */
	__asm__ ("larl %3,%0; lsll %3,%1"
		 : "=&r" (seg_ar), "=r" (seg_limit) : "0" (0), "rm" (seg));
	if ((~seg_ar & 0x9800) || eip > seg_limit) {
		*eip_limit = 0;
		return 1;	/* anything above *eip_limit will do */
	}

	/* find the descriptor; only user space has an LDT */
	if (seg & (1<<2)) {
		/* the LDT can change under us: hold its semaphore */
		down(&current->mm->context.sem);
		desc = current->mm->context.ldt;
		desc = (void *)desc + (seg & ~7);
	} else {
		/* the GDT is per cpu: stay on this cpu while reading it */
		desc = (u32 *)get_cpu_gdt_table(get_cpu());
		desc = (void *)desc + (seg & ~7);
	}

	base = get_desc_base((unsigned long *)desc);

	if (seg & (1<<2))
		up(&current->mm->context.sem);
	else
		put_cpu();

	/* a linear limit; a segment may wrap at 4GB, clamp only if not */
	seg_limit += base;
	if (seg_limit < *eip_limit && seg_limit >= base)
		*eip_limit = seg_limit;
	return eip + base;
}

/*
 * Some AMD Athlon/Opteron CPUs fault on prefetches of unmapped addresses:
 * decode the faulting instruction and ignore the fault if it prefetches.
 */
static int __is_prefetch(struct pt_regs *regs, unsigned long addr)
{
	unsigned long limit;
	unsigned char *instr = (unsigned char *)get_segment_eip(regs, &limit);
	int scan_more = 1;
	int prefetch = 0;
	int i;

	for (i = 0; scan_more && i < 15; i++) {
		unsigned char opcode;
		unsigned char instr_hi;
		unsigned char instr_lo;

		if (instr > (unsigned char *)limit)
			break;
		if (probe_kernel_address(instr, opcode))
			break;

		instr_hi = opcode & 0xf0;
		instr_lo = opcode & 0x0f;
		instr++;

		switch (instr_hi) {
		case 0x20:
		case 0x30:
			/* segment override prefixes 0x26, 0x2e, 0x36, 0x3e */
			scan_more = ((instr_lo & 7) == 0x6);
			break;

		case 0x60:
			/* 0x64 to 0x67: fs, gs, operand and address size */
			scan_more = (instr_lo & 0xC) == 0x4;
			break;

		case 0xF0:
			/* lock (0xf0), repne (0xf2) and rep (0xf3) */
			scan_more = !instr_lo || (instr_lo>>1) == 1;
			break;

		case 0x00:
			/* two-byte opcodes: prefetch is 0x0f 0x0d or 0x0f 0x18 */
			scan_more = 0;
			if (instr > (unsigned char *)limit)
				break;
			if (probe_kernel_address(instr, opcode))
				break;
			prefetch = (instr_lo == 0xF) &&
				(opcode == 0x0D || opcode == 0x18);
			break;

		default:
			scan_more = 0;
			break;
		}
	}
	return prefetch;
}

static inline int is_prefetch(struct pt_regs *regs, unsigned long addr,
			      unsigned long error_code)
{
	if (unlikely(boot_cpu_data.x86_vendor == X86_VENDOR_AMD &&
		     boot_cpu_data.x86 >= 6)) {
		/* an instruction fetch from an NX page is never a prefetch */
		if (nx_enabled && (error_code & 16))
			return 0;
		return __is_prefetch(regs, addr);
	}
	return 0;
}

static noinline void force_sig_info_fault(int si_signo, int si_code,
	unsigned long address, struct task_struct *tsk)
{
	siginfo_t info;

	info.si_signo = si_signo;
	info.si_errno = 0;
	info.si_code = si_code;
	info.si_addr = (void __user *)address;
	force_sig_info(si_signo, &info, tsk);
}

fastcall void do_invalid_op(struct pt_regs *, unsigned long);

/*
 * Copy the kernel's pmd entry for address from init_mm.pgd into pgd.
 * Returns the reference pmd entry, NULL if the kernel has none.
 */
static inline pmd_t *vmalloc_sync_one(pgd_t *pgd, unsigned long address)
{
	unsigned index = pgd_index(address);
	pgd_t *pgd_k;
	pud_t *pud, *pud_k;
	pmd_t *pmd, *pmd_k;

	pgd += index;
	pgd_k = init_mm.pgd + index;

	if (!pgd_present(*pgd_k))
		return NULL;

	/*
	 * No set_pgd() or set_pud(): useless with PAE, and the same entry
	 * as the set_pmd() below without it.
	 */

	pud = pud_offset(pgd, address);
	pud_k = pud_offset(pgd_k, address);
	if (!pud_present(*pud_k))
		return NULL;

	pmd = pmd_offset(pud, address);
	pmd_k = pmd_offset(pud_k, address);
	if (!pmd_present(*pmd_k))
		return NULL;
	if (!pmd_present(*pmd))
		set_pmd(pmd, *pmd_k);
	else
		BUG_ON(pmd_page(*pmd) != pmd_page(*pmd_k));
	return pmd_k;
}

/*
 * A fault in the vmalloc or module area, mapped in init_mm but not yet
 * in this page table: copy the mapping.  No large pages in there.
 */
static inline int vmalloc_fault(unsigned long address)
{
	unsigned long pgd_paddr;
	pmd_t *pmd_k;
	pte_t *pte_k;

	/*
	 * Fix the page table in cr3, not current's: we may be in an
	 * interrupt halfway through a task switch.
	 */
	pgd_paddr = read_cr3();
	pmd_k = vmalloc_sync_one(__va(pgd_paddr), address);
	if (!pmd_k)
		return -1;
	pte_k = pte_offset_kernel(pmd_k, address);
	if (!pte_present(*pte_k))
		return -1;
	return 0;
}

/*
 * Print the page table entries that map a faulting kernel address, for
 * the oops report.
 */
static void dump_fault_path(unsigned long address)
{
#ifdef CONFIG_X86_PAE
	unsigned long long page;

	page = read_cr3();
	page = ((unsigned long long *)__va((unsigned long)page))[address >> PGDIR_SHIFT];
	printk(KERN_ALERT "*pdpt = %016Lx\n", page);
	if ((page >> PAGE_SHIFT) < max_low_pfn && (page & _PAGE_PRESENT)) {
		page &= PAGE_MASK;
		page = ((unsigned long long *)__va((unsigned long)page))
				[(address >> PMD_SHIFT) & (PTRS_PER_PMD - 1)];
		printk(KERN_ALERT "*pde = %016Lx\n", page);
		page &= ~_PAGE_NX;
	}
#else
	unsigned long page;

	page = read_cr3();
	page = ((unsigned long *)__va(page))[address >> PGDIR_SHIFT];
	printk(KERN_ALERT "*pde = %08lx\n", page);
#ifndef CONFIG_HIGHPTE
	/* a HIGHPTE page table may be in highmem: no kmap in an oops */
	if ((page & _PAGE_PRESENT) && !(page & _PAGE_PSE)) {
		page &= PAGE_MASK;
		address &= 0x003ff000;
		page = ((unsigned long *)__va(page))[address >> PAGE_SHIFT];
		printk(KERN_ALERT "*pte = %08lx\n", page);
	}
#endif /* !CONFIG_HIGHPTE */
#endif /* CONFIG_X86_PAE */
}

/*
 * The page fault handler.  It finds out which address faulted and why,
 * and hands the fault to the code that can deal with it.
 *
 * error_code bits:
 *	bit 0: 0 no page found, 1 protection fault
 *	bit 1: 0 read access, 1 write access
 *	bit 2: 0 kernel mode, 1 user mode
 *	bit 3: 1 a reserved bit was set in a page table entry
 *	bit 4: 1 the access was an instruction fetch
 */
fastcall void __kprobes do_page_fault(struct pt_regs *regs,
				      unsigned long error_code)
{
	struct task_struct *tsk;
	struct mm_struct *mm;
	struct vm_area_struct *vma;
	unsigned long address;
	int write, si_code;

	/* the faulting address, before anything can fault again */
	address = read_cr2();

	tsk = current;

	si_code = SEGV_MAPERR;

	/*
	 * Kernel addresses: the vmalloc area is faulted in on demand from
	 * init_mm.pgd.  No locks here (we may be in an interrupt); only a
	 * kernel-mode access ((error_code & 4) == 0) to a page that was not
	 * present, no reserved bit ((error_code & 9) == 0), qualifies.
	 */
	if (unlikely(address >= TASK_SIZE)) {
		if (!(error_code & 0x0000000d) && vmalloc_fault(address) >= 0)
			return;
		if (notify_page_fault(regs, error_code) == NOTIFY_STOP)
			return;
		/*
		 * Not mmap_sem: fixing up a prefetch fault while holding
		 * it could deadlock.
		 */
		goto bad_area_nosemaphore;
	}

	if (notify_page_fault(regs, error_code) == NOTIFY_STOP)
		return;

	/*
	 * cr2 is saved and vmalloc faults are out of the way: interrupts
	 * may come back on if they were on when the fault hit.
	 */
	if (regs->eflags & (X86_EFLAGS_IF|VM_MASK))
		local_irq_enable();

	mm = tsk->mm;

	/*
	 * In an interrupt, in an atomic section or without a user context
	 * the fault cannot be handled here.
	 */
	if (in_atomic() || !mm)
		goto bad_area_nosemaphore;

	/*
	 * Kernel faults on user memory come from code in the exception
	 * tables, anything else is a bug that may hold mmap_sem already:
	 * when the trylock fails, check the tables before waiting.
	 */
	if (!down_read_trylock(&mm->mmap_sem)) {
		if ((error_code & 4) == 0 &&
		    !search_exception_tables(regs->eip))
			goto bad_area_nosemaphore;
		down_read(&mm->mmap_sem);
	}

	vma = find_vma(mm, address);
	if (!vma)
		goto bad_area;
	if (vma->vm_start <= address)
		goto good_area;
	if (!(vma->vm_flags & VM_GROWSDOWN))
		goto bad_area;
	if (error_code & 4) {
		/*
		 * Far below %esp is a bug; the margin is for "enter
		 * $65535,$31" (32 pointers pushed, then 65535 subtracted).
		 */
		if (address + 65536 + 32 * sizeof(unsigned long) < regs->esp)
			goto bad_area;
	}
	if (expand_stack(vma, address))
		goto bad_area;

	/*
	 * The address is inside a vma: check the access against it.
	 */
good_area:
	si_code = SEGV_ACCERR;
	write = 0;
	switch (error_code & 3) {
	default:	/* 3: write to a present page */
			/* fall through */
	case 2:		/* write to a page that is not present */
		if (!(vma->vm_flags & VM_WRITE))
			goto bad_area;
		write++;
		break;
	case 1:		/* read of a present page: protection fault */
		goto bad_area;
	case 0:		/* read of a page that is not present */
		if (!(vma->vm_flags & (VM_READ | VM_EXEC | VM_WRITE)))
			goto bad_area;
	}

survive:
	/*
	 * Never retry a fault that cannot be handled: always leave.
	 */
	switch (handle_mm_fault(mm, vma, address, write)) {
	case VM_FAULT_MINOR:
		tsk->min_flt++;
		break;
	case VM_FAULT_MAJOR:
		tsk->maj_flt++;
		break;
	case VM_FAULT_SIGBUS:
		goto do_sigbus;
	case VM_FAULT_OOM:
		goto out_of_memory;
	default:
		BUG();
	}

	/* vm86 mode: note which pages of the VGA window were touched */
	if (regs->eflags & VM_MASK) {
		unsigned long bit = (address - 0xA0000) >> PAGE_SHIFT;

		if (bit < 32)
			tsk->thread.screen_bitmap |= 1 << bit;
	}
	up_read(&mm->mmap_sem);
	return;

	/*
	 * The address is not in the memory map at all.  User or kernel?
	 */
bad_area:
	up_read(&mm->mmap_sem);

bad_area_nosemaphore:
	/* from user mode: SIGSEGV */
	if (error_code & 4) {
		/* a user fault, so faulting again while decoding is fine */
		if (is_prefetch(regs, address, error_code))
			return;

		tsk->thread.cr2 = address;
		/* a kernel address always counts as a protection fault */
		tsk->thread.error_code = error_code | (address >= TASK_SIZE);
		tsk->thread.trap_no = 14;
		force_sig_info_fault(SIGSEGV, si_code, address, tsk);
		return;
	}

#ifdef CONFIG_X86_F00F_BUG
	/*
	 * The Pentium "F0 0F C7 C8" erratum: the IDT is mapped read-only,
	 * and a fault on its invalid-opcode entry stands for #UD.
	 */
	if (boot_cpu_data.f00f_bug) {
		unsigned long nr;

		nr = (address - idt_descr.address) >> 3;

		if (nr == 6) {
			do_invalid_op(regs, 0);
			return;
		}
	}
#endif

no_context:
	/* an exception table entry for the faulting kernel code? */
	if (fixup_exception(regs))
		return;

	/*
	 * Decoding may fault again here: a prefetch in code with a fixup
	 * would have been caught by fixup_exception() already.
	 */
	if (is_prefetch(regs, address, error_code))
		return;

	/*
	 * A kernel bug: it touched a page it has no business touching.
	 * Oops.
	 */
	bust_spinlocks(1);

	if (oops_may_print()) {
#ifdef CONFIG_X86_PAE
		if (error_code & 16) {
			pte_t *pte = lookup_address(address);

			if (pte && pte_present(*pte) && !pte_exec_kernel(*pte))
				printk(KERN_CRIT "kernel tried to execute "
					"NX-protected page - exploit attempt? "
					"(uid: %d)\n", current->uid);
		}
#endif
		if (address < PAGE_SIZE)
			printk(KERN_ALERT "BUG: unable to handle kernel NULL "
					"pointer dereference");
		else
			printk(KERN_ALERT "BUG: unable to handle kernel paging"
					" request");
		printk(" at virtual address %08lx\n", address);
		printk(KERN_ALERT " printing eip:\n");
		printk("%08lx\n", regs->eip);
		dump_fault_path(address);
	}

	tsk->thread.cr2 = address;
	tsk->thread.trap_no = 14;
	tsk->thread.error_code = error_code;
	die("Oops", regs, error_code);
	bust_spinlocks(0);
	do_exit(SIGKILL);

	/*
	 * Out of memory, or the fault could not be handled for some other
	 * reason: kill the task, except init, which waits and retries.
	 */
out_of_memory:
	up_read(&mm->mmap_sem);
	if (is_init(tsk)) {
		yield();
		down_read(&mm->mmap_sem);
		goto survive;
	}
	printk("VM: killing process %s\n", tsk->comm);
	if (error_code & 4)
		do_exit(SIGKILL);
	goto no_context;

do_sigbus:
	up_read(&mm->mmap_sem);

	/* a kernel access: fix it up or oops */
	if (!(error_code & 4))
		goto no_context;

	/* a user access, so faulting again while decoding is fine */
	if (is_prefetch(regs, address, error_code))
		return;

	tsk->thread.cr2 = address;
	tsk->thread.error_code = error_code;
	tsk->thread.trap_no = 14;
	force_sig_info_fault(SIGBUS, BUS_ADRERR, address, tsk);
}

#ifndef CONFIG_X86_PAE
void vmalloc_sync_all(void)
{
	/*
	 * Note that races in the updates of insync and start aren't
	 * problematic: insync can only get set bits added, and updates to
	 * start are only improving performance (without affecting
	 * correctness if undone).
	 */
	static DECLARE_BITMAP(insync, PTRS_PER_PGD);
	static unsigned long start = TASK_SIZE;
	unsigned long address;
	for (address = start; address >= TASK_SIZE; address += PGDIR_SIZE) {
		if (!test_bit(pgd_index(address), insync)) {
			unsigned long flags;
			struct page *page;

			spin_lock_irqsave(&pgd_lock, flags);
			for (page = pgd_list; page;
			     page = (struct page *)page->index)
				if (!vmalloc_sync_one(page_address(page), address)) {
					BUG_ON(page != pgd_list);
					break;
				}
			spin_unlock_irqrestore(&pgd_lock, flags);
			/* every pgd has the entry now: skip it from now on */
			if (!page)
				set_bit(pgd_index(address), insync);
		}

		/* all entries below address are in sync: start after them */
		if (address == start && test_bit(pgd_index(address), insync))
			start = address + PGDIR_SIZE;
	}
}
#endif
