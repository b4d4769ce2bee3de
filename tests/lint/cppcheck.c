/* Broken on purpose (tests/lint/README.md): writes past the end of buf. */
int fill(void);

int fill(void)
{
	int buf[8];

	for (int i = 0; i <= 8; i++)
		buf[i] = i;
	return buf[0];
}
