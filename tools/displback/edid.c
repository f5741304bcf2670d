// SPDX-License-Identifier: MIT
/*
 * A VESA E-EDID 1.4 base block (128 bytes, no extensions) describing one
 * preferred mode, for XENDISPL_OP_GET_EDID.  Layout per VESA E-EDID
 * Standard Release A2, section 3: header, vendor "XEN", a detailed timing
 * descriptor with CVT reduced-blanking style porches at 60 Hz (lower when
 * the 16-bit pixel clock cannot hold it), a product name and range limits.
 */
#include <errno.h>
#include <string.h>

#include "displback.h"

static void put_string_descriptor(uint8_t *d, uint8_t tag, const char *s)
{
	size_t n = strlen(s);

	memset(d, 0, 18);
	d[3] = tag;
	if (n > 13)
		n = 13;
	memcpy(d + 5, s, n);
	if (n < 13) {
		d[5 + n] = 0x0a;
		memset(d + 6 + n, 0x20, 13 - n - 1);
	}
}

int edid_build(uint8_t e[EDID_BLOCK], uint32_t w, uint32_t h,
	       const char *name)
{
	/* Reduced blanking: 160 pixels, 30 lines (min. 460 us at 60 Hz). */
	const uint32_t hfront = 48, hsync = 32, hblank = 160;
	const uint32_t vfront = 3, vsync = 6, vblank = 30;
	uint32_t htotal = w + hblank, vtotal = h + vblank;
	uint64_t clock_hz, refresh = 60;
	uint32_t clock10k, wmm, hmm, hkhz;
	uint8_t *d, sum = 0;

	if (!w || !h || w > 4095 || h > 4095)
		return -EINVAL;
	clock_hz = (uint64_t)htotal * vtotal * refresh;
	if (clock_hz / 10000 > 0xffff) {
		refresh = 655350000ull / ((uint64_t)htotal * vtotal);
		if (!refresh)
			return -EINVAL;
		clock_hz = (uint64_t)htotal * vtotal * refresh;
	}
	clock10k = (uint32_t)((clock_hz + 9999) / 10000);
	/* Physical size at 96 dpi. */
	wmm = w * 254 / 960;
	hmm = h * 254 / 960;

	memset(e, 0, EDID_BLOCK);
	static const uint8_t header[8] = { 0, 0xff, 0xff, 0xff, 0xff, 0xff,
					   0xff, 0 };
	memcpy(e, header, 8);
	/* "XEN": three 5-bit letters, 'A' = 1, big-endian. */
	e[8] = (('X' - '@') << 2) | (('E' - '@') >> 3);
	e[9] = ((('E' - '@') & 7) << 5) | ('N' - '@');
	e[10] = 0x01;		/* product code 0x0001 */
	e[12] = (uint8_t)w;	/* serial: the mode, for telling them apart */
	e[13] = (uint8_t)(w >> 8);
	e[14] = (uint8_t)h;
	e[15] = (uint8_t)(h >> 8);
	e[16] = 1;		/* week 1 */
	e[17] = 2024 - 1990;
	e[18] = 1;		/* EDID 1.4 */
	e[19] = 4;
	e[20] = 0xa0;		/* digital, 8 bits per colour */
	e[21] = (uint8_t)(wmm / 10 ? (wmm / 10 > 255 ? 255 : wmm / 10) : 1);
	e[22] = (uint8_t)(hmm / 10 ? (hmm / 10 > 255 ? 255 : hmm / 10) : 1);
	e[23] = 120;		/* gamma 2.2 */
	e[24] = 0x06;		/* sRGB default, preferred mode is native */
	/* sRGB chromaticity (the usual encoding of its primaries). */
	static const uint8_t chroma[10] = { 0xee, 0x91, 0xa3, 0x54, 0x4c,
					    0x99, 0x26, 0x0f, 0x50, 0x54 };
	memcpy(e + 25, chroma, 10);
	/* 35-37: no established timings; 38-53: standard timings unused. */
	memset(e + 38, 0x01, 16);

	d = e + 54;		/* detailed timing descriptor 1: preferred */
	d[0] = (uint8_t)clock10k;
	d[1] = (uint8_t)(clock10k >> 8);
	d[2] = (uint8_t)w;
	d[3] = (uint8_t)hblank;
	d[4] = (uint8_t)(((w >> 8) & 0xf) << 4 | ((hblank >> 8) & 0xf));
	d[5] = (uint8_t)h;
	d[6] = (uint8_t)vblank;
	d[7] = (uint8_t)(((h >> 8) & 0xf) << 4 | ((vblank >> 8) & 0xf));
	d[8] = (uint8_t)hfront;
	d[9] = (uint8_t)hsync;
	d[10] = (uint8_t)((vfront & 0xf) << 4 | (vsync & 0xf));
	d[11] = (uint8_t)(((hfront >> 8) & 3) << 6 | ((hsync >> 8) & 3) << 4 |
			  ((vfront >> 4) & 3) << 2 | ((vsync >> 4) & 3));
	d[12] = (uint8_t)wmm;
	d[13] = (uint8_t)hmm;
	d[14] = (uint8_t)(((wmm >> 8) & 0xf) << 4 | ((hmm >> 8) & 0xf));
	d[17] = 0x1a;		/* digital separate sync, hsync +, vsync - */

	put_string_descriptor(e + 72, 0xfc, name ? name : "gntbuf");

	d = e + 90;		/* display range limits */
	d[3] = 0xfd;
	hkhz = (uint32_t)(clock_hz / htotal / 1000);
	d[5] = 1;				/* min vertical, Hz */
	d[6] = (uint8_t)(refresh + 1);		/* max vertical, Hz */
	d[7] = 1;				/* min horizontal, kHz */
	d[8] = (uint8_t)(hkhz + 1 > 255 ? 255 : hkhz + 1);
	d[9] = (uint8_t)((clock10k + 999) / 1000 + 1 > 255 ? 255 :
			 (clock10k + 999) / 1000 + 1);	/* max clock / 10 MHz */
	d[10] = 0x01;		/* range limits only */
	d[11] = 0x0a;
	memset(d + 12, 0x20, 6);

	put_string_descriptor(e + 108, 0x10, "");	/* dummy */
	memset(e + 108, 0, 18);
	e[108 + 3] = 0x10;

	e[126] = 0;		/* no extension blocks */
	for (int i = 0; i < 127; i++)
		sum += e[i];
	e[127] = (uint8_t)(0x100 - sum);
	return 0;
}
