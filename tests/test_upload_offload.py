"""Photos are decoded off the event loop, a few at a time; a big phone JPEG is decoded at reduced
scale and stored at the fitted size; the lower pixel cap refuses what no stored size needs."""
from __future__ import annotations

import functools
import io
import os
import threading

import gevent
import pytest
from PIL import Image

from tests.support.images import bilevel_png, encode, phone_jpeg
from webapp import offload
from webapp.uploads import UploadRejected, clean_image

TOO_LARGE = "图片尺寸过大"


@functools.cache
def big_phone_photo() -> bytes:
    return phone_jpeg((8000, 6000))  # 48 MP


def test_a_decode_in_a_greenlet_leaves_the_event_loop_free():
    data, done, ticks = big_phone_photo(), [], []

    def upload():
        try:
            # The full-size decode: the work a 48 MP photo used to cost the loop.
            return clean_image(data, max_bytes=len(data), max_pixels=60_000_000)
        finally:
            done.append(True)

    def other_request():
        while not done:
            ticks.append(1)
            gevent.sleep(0)

    worker, other = gevent.spawn(upload), gevent.spawn(other_request)
    gevent.joinall([worker, other], raise_error=True)
    assert (worker.value.width, worker.value.height) == (8000, 6000)
    # Decoded on the loop, the upload ran to its end before the other greenlet ever ran.
    assert len(ticks) >= 20


def test_at_most_the_pool_size_of_jobs_run_at_once():
    running, most, lock, release = [0], [0], threading.Lock(), threading.Event()

    def job(n):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        release.wait(5)
        with lock:
            running[0] -= 1
        return n * n

    greenlets = [gevent.spawn(offload.run, job, n, size=2) for n in range(6)]
    gevent.sleep(0.05)
    assert running[0] == 2  # the other four wait their turn, holding no pixels
    release.set()
    gevent.joinall(greenlets, raise_error=True)
    assert [g.value for g in greenlets] == [n * n for n in range(6)] and most[0] == 2


def test_the_pool_runs_its_jobs_below_the_workers_priority():
    """A decode takes the CPU the worker's own thread leaves (Linux sets nice per thread)."""
    def priority() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    mine = priority()
    pooled = gevent.spawn(offload.run, priority, size=2).get(timeout=30)
    assert pooled == min(19, mine + offload.NICE)
    assert priority() == mine  # the caller is untouched
    assert offload.run(priority, size=2) == mine  # outside gevent it runs in the caller


def test_threads_outside_gevent_are_bounded_too():
    running, most, lock = [0], [0], threading.Lock()
    release = threading.Event()

    def job():
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        release.wait(5)
        with lock:
            running[0] -= 1

    threads = [threading.Thread(target=offload.run, args=(job,), kwargs={"size": 2})
               for _ in range(5)]
    for thread in threads:
        thread.start()
    release.set()
    for thread in threads:
        thread.join(10)
    assert most[0] <= 2


def test_a_48_megapixel_phone_jpeg_is_accepted_and_fitted(app):
    clean = clean_image(big_phone_photo(), max_side=1200)  # the app's default limits
    assert (clean.fmt, clean.width, clean.height) == ("jpeg", 1200, 900)
    with Image.open(io.BytesIO(clean.data)) as image:
        assert image.size == (1200, 900)
        # The gradient survived the reduced-scale decode: dark at the top, light at the bottom.
        assert image.getpixel((600, 5))[0] < 40 and image.getpixel((600, 894))[0] > 215


def test_without_a_size_to_fit_a_big_jpeg_is_too_large_before_decoding(app):
    with pytest.raises(UploadRejected) as caught:
        clean_image(big_phone_photo())
    assert caught.value.message == TOO_LARGE


@pytest.mark.parametrize(("data", "max_side"), [
    (bilevel_png(4200, 4000), 1200),  # 16.8 MP: a PNG is decoded whole, whatever is stored
    (bilevel_png(4200, 4000), None),
    (bilevel_png(30000, 30000), 1200),
], ids=["png-16.8MP-fitted", "png-16.8MP", "png-900MP"])
def test_the_lower_pixel_cap_refuses_a_decompression_bomb(app, data, max_side):
    assert app.config["UPLOAD_MAX_PIXELS"] < 16_800_000
    with pytest.raises(UploadRejected) as caught:
        clean_image(data, max_side=max_side)
    assert caught.value.message == TOO_LARGE


def jpeg_declaring(width: int, height: int) -> bytes:
    """A small JPEG whose header claims `width` x `height` (its pixels would be garbage)."""
    data = bytearray(encode(Image.new("RGB", (16, 16), "red"), "JPEG"))
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = height.to_bytes(2, "big") + width.to_bytes(2, "big")
    return bytes(data)


def test_a_jpeg_declaring_a_huge_canvas_is_refused_before_decoding(app):
    # 65 MP: past what a JPEG may declare even when decoded at reduced scale. Were it decoded,
    # it would be "damaged" (16 x 16 pixels of data), not "too large".
    with pytest.raises(UploadRejected) as caught:
        clean_image(jpeg_declaring(9000, 7300), max_side=1200)
    assert caught.value.message == TOO_LARGE
