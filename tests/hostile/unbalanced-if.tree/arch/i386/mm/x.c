#ifdef CONFIG_X86_PAE
int a;
void f(void)
{
}
