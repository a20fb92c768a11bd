#ifndef __ASM_PARAVIRT_H
#define __ASM_PARAVIRT_H
/*
 * Privileged operations that a hypervisor may want to take over go
 * through a table of function pointers, paravirt_ops.  At boot a backend
 * (VMI, Xen, lguest...) fills it in; on bare hardware it holds the native
 * operations from arch/i386/kernel/paravirt.c.
 */
#include <linux/linkage.h>
#include <linux/stringify.h>
#include <asm/page.h>

#ifdef CONFIG_PARAVIRT
/*
 * Call sites of the hottest operations are recorded so that the
 * backend can patch them in place; these are their types.
 */
#define PARAVIRT_IRQ_DISABLE		0
#define PARAVIRT_IRQ_ENABLE		1
#define PARAVIRT_RESTORE_FLAGS		2
#define PARAVIRT_SAVE_FLAGS		3
#define PARAVIRT_SAVE_FLAGS_IRQ_DISABLE	4
#define PARAVIRT_INTERRUPT_RETURN	5
#define PARAVIRT_STI_SYSEXIT		6

/* which registers a patched call site may clobber */
#define CLBR_NONE	0x0
#define CLBR_EAX	0x1
#define CLBR_ECX	0x2
#define CLBR_EDX	0x4
#define CLBR_ANY	0x7

#ifndef __ASSEMBLY__
struct thread_struct;
struct Xgt_desc_struct;
struct tss_struct;
struct mm_struct;

struct paravirt_ops
{
	unsigned int kernel_rpl;
	int paravirt_enabled;
	const char *name;

	/*
	 * Rewrite the instructions at a recorded call site; returns the
	 * number of bytes used.
	 */
	unsigned (*patch)(u8 type, u16 clobber, void *firstinsn, unsigned len);

	/* boot */
	void (*arch_setup)(void);
	char *(*memory_setup)(void);
	void (*init_IRQ)(void);
	void (*banner)(void);

	/* time */
	unsigned long (*get_wallclock)(void);
	int (*set_wallclock)(unsigned long);
	void (*time_init)(void);

	/* cpu state */
	void (*cpuid)(unsigned int *eax, unsigned int *ebx,
		      unsigned int *ecx, unsigned int *edx);

	unsigned long (*get_debugreg)(int regno);
	void (*set_debugreg)(int regno, unsigned long value);

	void (*clts)(void);

	unsigned long (*read_cr0)(void);
	void (*write_cr0)(unsigned long);

	unsigned long (*read_cr2)(void);
	void (*write_cr2)(unsigned long);

	unsigned long (*read_cr3)(void);
	void (*write_cr3)(unsigned long);

	unsigned long (*read_cr4_safe)(void);
	unsigned long (*read_cr4)(void);
	void (*write_cr4)(unsigned long);

	/* interrupts */
	unsigned long (*save_fl)(void);
	void (*restore_fl)(unsigned long);
	void (*irq_disable)(void);
	void (*irq_enable)(void);
	void (*safe_halt)(void);
	void (*halt)(void);
	void (*wbinvd)(void);

	/* msr access: *err is 0 or -EFAULT, write_msr returns the same */
	u64 (*read_msr)(unsigned int msr, int *err);
	int (*write_msr)(unsigned int msr, u64 val);

	u64 (*read_tsc)(void);
	u64 (*read_pmc)(void);

	/* descriptor tables */
	void (*load_tr_desc)(void);
	void (*load_gdt)(const struct Xgt_desc_struct *);
	void (*load_idt)(const struct Xgt_desc_struct *);
	void (*store_gdt)(struct Xgt_desc_struct *);
	void (*store_idt)(struct Xgt_desc_struct *);
	void (*set_ldt)(const void *desc, unsigned entries);
	unsigned long (*store_tr)(void);
	void (*load_tls)(struct thread_struct *t, unsigned int cpu);
	void (*write_ldt_entry)(void *dt, int entrynum, u32 low, u32 high);
	void (*write_gdt_entry)(void *dt, int entrynum, u32 low, u32 high);
	void (*write_idt_entry)(void *dt, int entrynum, u32 low, u32 high);
	void (*load_esp0)(struct tss_struct *tss, struct thread_struct *t);

	void (*set_iopl_mask)(unsigned mask);
	void (*io_delay)(void);

	/* tlb */
	void (*flush_tlb_user)(void);
	void (*flush_tlb_kernel)(void);
	void (*flush_tlb_single)(u32 addr);

	/*
	 * Page table pages: told when a page becomes (or stops being) a
	 * pte page or a pmd/pgd page.  alloc_pd_clone is called for a new
	 * pgd whose kernel entries were copied from another one.
	 */
	void (*alloc_pt)(u32 pfn);
	void (*alloc_pd)(u32 pfn);
	void (*alloc_pd_clone)(u32 pfn, u32 clonepfn, u32 start, u32 count);
	void (*release_pt)(u32 pfn);
	void (*release_pd)(u32 pfn);

	/* page table updates */
	void (*set_pte)(pte_t *ptep, pte_t pteval);
	void (*set_pte_at)(struct mm_struct *mm, u32 addr, pte_t *ptep, pte_t pteval);
	void (*set_pmd)(pmd_t *pmdp, pmd_t pmdval);
	void (*pte_update)(struct mm_struct *mm, u32 addr, pte_t *ptep);
	void (*pte_update_defer)(struct mm_struct *mm, u32 addr, pte_t *ptep);
#ifdef CONFIG_X86_PAE
	void (*set_pte_atomic)(pte_t *ptep, pte_t pteval);
	void (*set_pte_present)(struct mm_struct *mm, unsigned long addr, pte_t *ptep, pte_t pte);
	void (*set_pud)(pud_t *pudp, pud_t pudval);
	void (*pte_clear)(struct mm_struct *mm, unsigned long addr, pte_t *ptep);
	void (*pmd_clear)(pmd_t *pmdp);
#endif

	void (*set_lazy_mode)(int mode);

	/* jumped to from entry.S, never called */
	void (*irq_enable_sysexit)(void);
	void (*iret)(void);

	void (*startup_ipi_hook)(int phys_apicid, unsigned long start_eip, unsigned long start_esp);
};

/*
 * A backend announces itself with paravirt_probe(fn): the probe
 * functions are collected in a section and tried in turn at boot.
 */
#define paravirt_probe(fn)						\
	static asmlinkage void (*__paravirtprobe_##fn)(void) __attribute_used__ \
		__attribute__((__section__(".paravirtprobe"))) = fn

extern struct paravirt_ops paravirt_ops;

#define paravirt_enabled() (paravirt_ops.paravirt_enabled)

static inline void load_esp0(struct tss_struct *tss,
			     struct thread_struct *thread)
{
	paravirt_ops.load_esp0(tss, thread);
}

#define ARCH_SETUP			paravirt_ops.arch_setup();
static inline unsigned long get_wallclock(void)
{
	return paravirt_ops.get_wallclock();
}

static inline int set_wallclock(unsigned long nowtime)
{
	return paravirt_ops.set_wallclock(nowtime);
}

static inline void do_time_init(void)
{
	return paravirt_ops.time_init();
}

/* cpuid through the backend, which may hide or add features */
static inline void __cpuid(unsigned int *eax, unsigned int *ebx,
			   unsigned int *ecx, unsigned int *edx)
{
	paravirt_ops.cpuid(eax, ebx, ecx, edx);
}

#define get_debugreg(var, reg) var = paravirt_ops.get_debugreg(reg)
#define set_debugreg(val, reg) paravirt_ops.set_debugreg(reg, val)

#define clts() paravirt_ops.clts()

#define read_cr0() paravirt_ops.read_cr0()
#define write_cr0(x) paravirt_ops.write_cr0(x)

#define read_cr2() paravirt_ops.read_cr2()
#define write_cr2(x) paravirt_ops.write_cr2(x)

#define read_cr3() paravirt_ops.read_cr3()
#define write_cr3(x) paravirt_ops.write_cr3(x)

#define read_cr4() paravirt_ops.read_cr4()
#define read_cr4_safe(x) paravirt_ops.read_cr4_safe()
#define write_cr4(x) paravirt_ops.write_cr4(x)

static inline void raw_safe_halt(void)
{
	paravirt_ops.safe_halt();
}

static inline void halt(void)
{
	paravirt_ops.halt();
}
#define wbinvd() paravirt_ops.wbinvd()

#define get_kernel_rpl()  (paravirt_ops.kernel_rpl)

#define rdtscll(val) (val = paravirt_ops.read_tsc())

#define write_tsc(val1,val2) wrmsr(0x10, val1, val2)

#define load_TR_desc() (paravirt_ops.load_tr_desc())
#define load_gdt(dtr) (paravirt_ops.load_gdt(dtr))
#define load_idt(dtr) (paravirt_ops.load_idt(dtr))
#define set_ldt(addr, entries) (paravirt_ops.set_ldt((addr), (entries)))
#define store_gdt(dtr) (paravirt_ops.store_gdt(dtr))
#define store_idt(dtr) (paravirt_ops.store_idt(dtr))
#define store_tr(tr) ((tr) = paravirt_ops.store_tr())
#define load_TLS(t, cpu) (paravirt_ops.load_tls((t), (cpu)))

static inline void set_iopl_mask(unsigned mask)
{
	paravirt_ops.set_iopl_mask(mask);
}

/* the pause after a port access, which a hypervisor can skip */
static inline void slow_down_io(void)
{
	paravirt_ops.io_delay();
#ifdef REALLY_SLOW_IO
	paravirt_ops.io_delay();
	paravirt_ops.io_delay();
	paravirt_ops.io_delay();
#endif
}

#define __flush_tlb() paravirt_ops.flush_tlb_user()
#define __flush_tlb_global() paravirt_ops.flush_tlb_kernel()
#define __flush_tlb_single(addr) paravirt_ops.flush_tlb_single(addr)

static inline void paravirt_alloc_pt(unsigned pfn)
{
	paravirt_ops.alloc_pt(pfn);
}

static inline void paravirt_release_pt(unsigned pfn)
{
	paravirt_ops.release_pt(pfn);
}

static inline void paravirt_alloc_pd(unsigned pfn)
{
	paravirt_ops.alloc_pd(pfn);
}

static inline void paravirt_alloc_pd_clone(unsigned pfn, unsigned clonepfn,
					   unsigned start, unsigned count)
{
	paravirt_ops.alloc_pd_clone(pfn, clonepfn, start, count);
}

static inline void paravirt_release_pd(unsigned pfn)
{
	paravirt_ops.release_pd(pfn);
}

static inline void set_pte(pte_t *ptep, pte_t pteval)
{
	paravirt_ops.set_pte(ptep, pteval);
}

static inline void set_pte_at(struct mm_struct *mm, u32 addr,
			      pte_t *ptep, pte_t pteval)
{
	paravirt_ops.set_pte_at(mm, addr, ptep, pteval);
}

static inline void set_pmd(pmd_t *pmdp, pmd_t pmdval)
{
	paravirt_ops.set_pmd(pmdp, pmdval);
}

static inline void pte_update(struct mm_struct *mm, u32 addr, pte_t *ptep)
{
	paravirt_ops.pte_update(mm, addr, ptep);
}

static inline void pte_update_defer(struct mm_struct *mm, u32 addr, pte_t *ptep)
{
	paravirt_ops.pte_update_defer(mm, addr, ptep);
}

#ifdef CONFIG_X86_PAE
static inline void set_pte_atomic(pte_t *ptep, pte_t pteval)
{
	paravirt_ops.set_pte_atomic(ptep, pteval);
}

static inline void set_pte_present(struct mm_struct *mm, unsigned long addr,
				   pte_t *ptep, pte_t pte)
{
	paravirt_ops.set_pte_present(mm, addr, ptep, pte);
}

static inline void set_pud(pud_t *pudp, pud_t pudval)
{
	paravirt_ops.set_pud(pudp, pudval);
}

static inline void pte_clear(struct mm_struct *mm, unsigned long addr,
			     pte_t *ptep)
{
	paravirt_ops.pte_clear(mm, addr, ptep);
}

static inline void pmd_clear(pmd_t *pmdp)
{
	paravirt_ops.pmd_clear(pmdp);
}
#endif /* CONFIG_X86_PAE */

/*
 * Lazy modes: between enter and leave the backend may queue updates
 * instead of doing them one by one.
 */
#define PARAVIRT_LAZY_NONE	0
#define PARAVIRT_LAZY_CPU	1
#define PARAVIRT_LAZY_MMU	2
#define PARAVIRT_LAZY_FLUSH	4

#define __HAVE_ARCH_ENTER_LAZY_CPU_MODE
#define arch_enter_lazy_cpu_mode() \
	paravirt_ops.set_lazy_mode(PARAVIRT_LAZY_CPU)
#define arch_leave_lazy_cpu_mode() \
	paravirt_ops.set_lazy_mode(PARAVIRT_LAZY_NONE)

#define __HAVE_ARCH_ENTER_LAZY_MMU_MODE
#define arch_enter_lazy_mmu_mode() \
	paravirt_ops.set_lazy_mode(PARAVIRT_LAZY_MMU)
#define arch_leave_lazy_mmu_mode() \
	paravirt_ops.set_lazy_mode(PARAVIRT_LAZY_NONE)

/* an entry of the .parainstructions section: a call site to patch */
struct paravirt_patch {
	u8 *instr;		/* where the call site starts */
	u8 instrtype;		/* one of the PARAVIRT_* types above */
	u8 len;			/* bytes available at the site */
	u16 clobbers;		/* CLBR_* mask of registers free to use */
};

#endif /* __ASSEMBLY__ */
#else /* !CONFIG_PARAVIRT */

#define paravirt_enabled()	0

#endif /* CONFIG_PARAVIRT */
#endif /* __ASM_PARAVIRT_H */
