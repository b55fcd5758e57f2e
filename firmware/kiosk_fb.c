/* The framebuffer door screen (placeholder until the FreeType backend lands). */
#include "firmware/kiosk.h"

#include "common/log.h"

#include <errno.h>
#include <stddef.h>

static int kiosk_fb_open(const struct kiosk_config *cfg, void **priv)
{
	(void)cfg;
	*priv = NULL;
	log_warn("kiosk: the framebuffer backend is not built yet");
	return -ENOSYS;
}

static int kiosk_fb_draw(void *priv, const struct kiosk_state *st)
{
	(void)priv;
	(void)st;
	return 0;
}

static void kiosk_fb_close(void *priv)
{
	(void)priv;
}

const struct kiosk_backend_ops kiosk_fb_ops = {
	.name = "framebuffer",
	.open = kiosk_fb_open,
	.draw = kiosk_fb_draw,
	.close = kiosk_fb_close,
};
