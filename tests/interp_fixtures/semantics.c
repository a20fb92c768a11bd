/*
 * C semantics the interpreter must share with gcc on i386.
 *
 * Every function named t_* takes no argument and returns an unsigned long long; the test
 * compiles this file with gcc -m32 -O0 -fwrapv (freestanding, no libc), runs it, and compares
 * each result with the interpreter's.  No undefined behaviour other than signed overflow
 * (made defined by -fwrapv), no shift by the width or more.
 */

typedef unsigned long long u64;
typedef struct { unsigned long pgd; } pgd_t;
typedef struct { pgd_t pgd; } pud_t;
typedef struct { unsigned long pte_low, pte_high; } pte_t;
struct mixed { char c; long long ll; short s; int i; };
struct bits { unsigned int a : 3; int b : 5; unsigned int c : 12; unsigned char d; };
union u { unsigned int w; unsigned char b[4]; };

#define TASK_SIZE	((unsigned long)0xC0000000)
#define PGDIR_SIZE	(1UL << 22)

/* -- widths ------------------------------------------------------------------------------- */
u64 t_sizeof_scalars(void)
{
	return sizeof(char) | sizeof(short) << 4 | sizeof(int) << 8 | sizeof(long) << 12 |
	       (u64)sizeof(long long) << 16 | (u64)sizeof(void *) << 20 | (u64)sizeof(_Bool) << 24;
}

u64 t_sizeof_structs(void)
{
	return sizeof(struct mixed) | sizeof(pte_t) << 8 | (u64)sizeof(struct bits) << 16 |
	       (u64)sizeof(union u) << 24 | (u64)sizeof(pud_t) << 32;
}

u64 t_offsets(void)
{
	struct mixed m;
	return (unsigned long)((char *)&m.ll - (char *)&m) |
	       (unsigned long)((char *)&m.s - (char *)&m) << 8 |
	       (unsigned long)((char *)&m.i - (char *)&m) << 16;
}

/* -- wrap-around ---------------------------------------------------------------------------- */
u64 t_task_size_loop_ends_by_overflow(void)
{
	unsigned long address, n = 0;
	for (address = TASK_SIZE; address >= TASK_SIZE; address += PGDIR_SIZE)
		n++;
	return n << 32 | address;
}

u64 t_unsigned_long_wraps_at_32(void)
{
	unsigned long a = 0xFFFFFFF0UL;
	a += 0x20;
	return a;
}

u64 t_unsigned_long_long_wraps_at_64(void)
{
	unsigned long long a = 0xFFFFFFFFFFFFFFF0ULL;
	unsigned long long b = 0xFFFFFFFFULL * 0xFFFFFFFFULL;
	a += 0x20;
	return a ^ b;
}

u64 t_int_overflow_wraps(void)
{
	int a = 0x7FFFFFFF;
	a += 1;
	return (unsigned int)a;
}

u64 t_unsigned_minus(void)
{
	unsigned int a = 3, b = 5;
	return a - b;
}

u64 t_long_times_long_is_32_bit(void)
{
	unsigned long a = 0x10000, b = 0x10001;
	return a * b;
}

/* -- shifts ---------------------------------------------------------------------------------- */
u64 t_shift_left_unsigned(void)
{
	unsigned long x = 0x80000001UL;
	int n = 1;
	return x << n;
}

u64 t_shift_right_signed_is_arithmetic(void)
{
	int x = -256;
	int n = 4;
	return (unsigned int)(x >> n);
}

u64 t_shift_right_unsigned_is_logical(void)
{
	unsigned int x = 0x80000000u;
	int n = 31;
	return x >> n;
}

u64 t_shift_64(void)
{
	unsigned long long x = 1;
	int n = 40;
	return (x << n) | ((0x8000000000000000ULL >> 63) << 1);
}

u64 t_shift_of_char_promotes(void)
{
	unsigned char c = 0x80;
	return (unsigned int)(c << 24);
}

u64 t_pte_pfn_pae(void)
{
	pte_t pte = { 0x12345067, 0x5 };
	return (pte.pte_low >> 12) | (pte.pte_high << (32 - 12));
}

/* -- signedness ---------------------------------------------------------------------------- */
u64 t_minus_one_less_than_one_unsigned(void)
{
	int m = -1;
	unsigned int one = 1;
	return (m < one) | (m < 1) << 1;
}

u64 t_long_versus_unsigned_int(void)
{
	long m = -1;
	unsigned int one = 1;
	return m < one;
}

u64 t_long_long_versus_unsigned_int(void)
{
	long long m = -1;
	unsigned int one = 1;
	return m < one;
}

u64 t_char_is_signed(void)
{
	char c = (char)0xF0;
	int i = c;
	return (unsigned int)i;
}

u64 t_truncation_and_sign_extension(void)
{
	unsigned int big = 0x12345678;
	short s = (short)big;
	unsigned char uc = (unsigned char)big;
	signed char sc = (signed char)0x80;
	long long ll = sc;
	return (u64)(unsigned short)s << 48 | (u64)uc << 40 | ((u64)ll & 0xFFFFFFFFFF);
}

u64 t_bool_conversion(void)
{
	_Bool b = 256;
	_Bool z = 2 - 2;
	return b | (u64)z << 1;
}

u64 t_division_truncates_toward_zero(void)
{
	int a = -7, b = 2;
	return (unsigned int)(a / b) | (u64)(unsigned int)(a % b) << 32;
}

u64 t_unsigned_division(void)
{
	unsigned int a = 0xFFFFFFF9u;
	unsigned int b = 2;
	return a / b | (u64)(a % b) << 32;
}

u64 t_negation_and_complement(void)
{
	unsigned int u = 5;
	int s = 5;
	return (u64)(-u) << 32 | (unsigned int)~s;
}

/* -- expressions ---------------------------------------------------------------------------- */
static int side;

static int bump(int v)
{
	side = side * 10 + v;
	return v;
}

u64 t_short_circuit(void)
{
	int r;
	side = 0;
	r = (bump(0) && bump(1)) + (bump(2) || bump(3)) + (bump(0) || bump(4));
	return (u64)side << 8 | r;
}

u64 t_conditional_and_comma(void)
{
	int a = 1, b;
	b = (a++, a + 10);
	return (a ? b : 99) | (u64)(!a ? 1 : 2) << 16;
}

u64 t_compound_assignment(void)
{
	unsigned char c = 250;
	int arr[3] = { 1, 2, 3 };
	int *p = arr;
	c += 10;
	*p++ += 5;
	*p <<= 3;
	arr[2] %= 2;
	return c | arr[0] << 8 | arr[1] << 16 | (u64)arr[2] << 24;
}

u64 t_increments(void)
{
	int i = 5;
	int a = i++;
	int b = ++i;
	int c = i--;
	return a | b << 8 | c << 16 | i << 24;
}

/* -- control flow ---------------------------------------------------------------------------- */
u64 t_goto_backward_and_forward(void)
{
	int i = 0, j, s = 0;
again:
	for (j = 0; j < 10; j++) {
		if (j == 3)
			goto next;
		s += j;
	}
next:
	if (++i < 4)
		goto again;
	return s;
}

u64 t_switch_fallthrough(void)
{
	int k, r = 0;
	for (k = 0; k < 5; k++) {
		switch (k) {
		case 0:
			r += 1;
		case 1:
			r += 10;
			break;
		default:
			r += 100;
		case 3:
			r += 1000;
			continue;
		}
		r += 10000;
	}
	return r;
}

u64 t_continue_runs_the_increment(void)
{
	int i, s = 0;
	for (i = 0; i < 10; i++) {
		if (i & 1)
			continue;
		s += i;
	}
	do {
		s++;
		if (s < 40)
			continue;
	} while (s < 30);
	return s << 8 | i;
}

u64 t_break_out_of_switch_in_loop(void)
{
	int i, n = 0;
	for (i = 0; i < 100; i++) {
		switch (i) {
		case 5:
			break;
		default:
			n++;
			continue;
		}
		break;
	}
	return n << 8 | i;
}

/* -- structs and pointers ---------------------------------------------------------------------- */
static pgd_t make(unsigned long v)
{
	return ((pgd_t) { (v) });
}

static unsigned long change(pgd_t p)
{
	p.pgd += 1;
	return p.pgd;
}

u64 t_struct_copy_semantics(void)
{
	pgd_t a = make(5), b;
	unsigned long c;
	b = a;
	b.pgd = 7;
	c = change(a);
	return a.pgd | b.pgd << 8 | (u64)c << 16;
}

u64 t_compound_literals_nest(void)
{
	pud_t p = ((pud_t) { ((pgd_t) { 0x1234 }) });
	pte_t t = (pte_t) { 1, 2 };
	return p.pgd.pgd | (u64)t.pte_high << 32 | (u64)((pgd_t){ 9 }).pgd << 48;
}

u64 t_pointer_arithmetic_scales(void)
{
	pte_t table[8];
	pte_t *p = table, *q = &table[5];
	unsigned long long *w = (unsigned long long *)table;
	q -= 2;
	w += 3;
	return (q - p) | (u64)((char *)w - (char *)p) << 8 | (u64)(q > p) << 16 |
	       (u64)((unsigned long)(p + 1) - (unsigned long)p) << 24;
}

u64 t_union_and_little_endian(void)
{
	union u x;
	x.w = 0x11223344;
	return x.b[0] | x.b[3] << 8;
}

u64 t_bitfields(void)
{
	struct bits b = { 0 };
	b.a = 13;
	b.b = -3;
	b.c = 0xABC;
	b.d = 7;
	b.a += 1;
	return b.a | (u64)(unsigned int)b.b << 8 | (u64)b.c << 40 | (u64)b.d << 56;
}

u64 t_array_initialisers(void)
{
	int a[2][3] = { { 1, 2 }, [1] = { 4, 5, 6 } };
	int flat[5] = { 1, 2, [4] = 9 };
	char s[] = "hi";
	struct { int x; pgd_t y; int z[2]; } st = { 1, { 2 }, 3, 4 };
	return a[0][1] + a[0][2] * 10 + a[1][2] * 100 + flat[3] * 1000 + flat[4] * 10000 +
	       sizeof(s) * 100000 + (u64)(st.y.pgd + st.z[1] * 10 + st.x * 100) * 1000000;
}

/* -- function pointers ------------------------------------------------------------------------ */
struct ops {
	int id;
	int (*twice)(int);
	void (*nop)(void);
	int (*sum)(int, int);
};

static int twice(int x) { return 2 * x; }
static void nop(void) { }
static int sum(int a, int b) { return a + b; }

static struct ops ops = {
	.sum = sum,
	.twice = twice,
	.id = 7,
	.nop = nop,
};

u64 t_function_pointers_in_struct(void)
{
	struct ops *o = &ops;
	int (*f)(int) = o->twice;
	o->nop();
	return ops.twice(20) | (*f)(3) << 8 | o->sum(1, 2) << 16 | (u64)o->id << 24;
}
