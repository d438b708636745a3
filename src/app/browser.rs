//! The few browser facilities the staff station needs beyond Leptos: localStorage (the
//! offline queue, the chosen print station), the camera with an in-page QR decoder, and a
//! raw EventSource that hands over every message (a print station must see each job, not
//! just the newest). Each does nothing during server rendering.

#[cfg(feature = "hydrate")]
fn storage() -> Option<leptos::web_sys::Storage> {
    leptos::prelude::window().local_storage().ok().flatten()
}

pub fn local_get(key: &str) -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        storage().and_then(|s| s.get_item(key).ok().flatten())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = key;
        None
    }
}

pub fn local_set(key: &str, value: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(s) = storage() {
        let _ = s.set_item(key, value);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (key, value);
}

/// An EventSource on `url` for as long as the handle lives: `on_message` gets every message's
/// data, `on_state` whether the stream is open. The browser reconnects by itself.
pub struct Stream {
    #[cfg(feature = "hydrate")]
    source: leptos::web_sys::EventSource,
    #[cfg(feature = "hydrate")]
    _closures:
        Vec<leptos::wasm_bindgen::closure::Closure<dyn FnMut(leptos::web_sys::MessageEvent)>>,
}

impl Stream {
    pub fn open(
        url: &str,
        on_message: impl Fn(String) + 'static,
        on_state: impl Fn(bool) + 'static,
    ) -> Option<Stream> {
        #[cfg(feature = "hydrate")]
        {
            use leptos::wasm_bindgen::closure::Closure;
            use leptos::wasm_bindgen::JsCast;
            use leptos::web_sys::{EventSource, MessageEvent};
            use std::rc::Rc;
            let source = EventSource::new(url).ok()?;
            let on_state = Rc::new(on_state);
            let opened = {
                let on_state = on_state.clone();
                Closure::<dyn FnMut(MessageEvent)>::new(move |_| on_state(true))
            };
            let failed = {
                let on_state = on_state.clone();
                Closure::<dyn FnMut(MessageEvent)>::new(move |_| on_state(false))
            };
            let message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
                if let Some(data) = e.data().as_string() {
                    on_message(data);
                }
            });
            source.set_onopen(Some(opened.as_ref().unchecked_ref()));
            source.set_onerror(Some(failed.as_ref().unchecked_ref()));
            source.set_onmessage(Some(message.as_ref().unchecked_ref()));
            Some(Stream {
                source,
                _closures: vec![opened, failed, message],
            })
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = (url, on_message, on_state);
            None
        }
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        #[cfg(feature = "hydrate")]
        self.source.close();
    }
}

/// The rear camera into `video`; `Err` with a reason a person can act on.
#[cfg(feature = "hydrate")]
pub async fn start_camera(
    video: &leptos::web_sys::HtmlVideoElement,
) -> Result<leptos::web_sys::MediaStream, String> {
    use leptos::wasm_bindgen::{JsCast, JsValue};
    use leptos::web_sys::{js_sys, MediaStream, MediaStreamConstraints};
    let devices = leptos::prelude::window()
        .navigator()
        .media_devices()
        .map_err(|_| "This browser gives no camera to this page.".to_string())?;
    let constraints = MediaStreamConstraints::new();
    let want = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&want, &"facingMode".into(), &"environment".into());
    constraints.set_video(&want.into());
    constraints.set_audio(&JsValue::FALSE);
    let promise = devices
        .get_user_media_with_constraints(&constraints)
        .map_err(|_| "The camera could not be opened.".to_string())?;
    let stream: MediaStream = wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map_err(|_| "Camera access was refused. Allow it, or type the code.".to_string())?
        .dyn_into()
        .map_err(|_| "The camera could not be opened.".to_string())?;
    video.set_src_object(Some(&stream));
    let _ = video.play();
    Ok(stream)
}

#[cfg(feature = "hydrate")]
pub fn stop_camera(stream: &leptos::web_sys::MediaStream) {
    use leptos::wasm_bindgen::JsCast;
    for track in stream.get_tracks().iter() {
        if let Ok(track) = track.dyn_into::<leptos::web_sys::MediaStreamTrack>() {
            track.stop();
        }
    }
}

/// Reads QR codes from the camera's video: with the browser's own BarcodeDetector where it
/// reads QR codes (Chrome on Android and macOS), otherwise with `quircs` in the page. quircs
/// is in the main module, not a lazy chunk: it is 11 KB brotli, and a chunk that cannot be
/// fetched on a dropping network would stop the app.
#[cfg(feature = "hydrate")]
pub struct QrReader {
    native: std::cell::RefCell<Option<leptos::wasm_bindgen::JsValue>>,
    // Reused from frame to frame: its buffers are the size of the image.
    quirc: std::cell::RefCell<quircs::Quirc>,
}

#[cfg(feature = "hydrate")]
impl QrReader {
    pub async fn for_this_browser() -> Self {
        Self {
            native: std::cell::RefCell::new(barcode_detector().await),
            quirc: Default::default(),
        }
    }

    /// The QR code in the video's current frame, if one reads cleanly.
    pub async fn read(
        &self,
        video: &leptos::web_sys::HtmlVideoElement,
        canvas: &leptos::web_sys::HtmlCanvasElement,
    ) -> Option<String> {
        let native = self.native.borrow().clone();
        if let Some(detector) = native {
            match detect(&detector, video).await {
                Ok(code) => return code,
                // The platform has no reader behind the API after all: quircs from now on.
                Err(error) if error_name(&error).as_deref() == Some("NotSupportedError") => {
                    *self.native.borrow_mut() = None;
                }
                // A frame it could not take (the video not ready yet, say): try the next.
                Err(_) => return None,
            }
        }
        let (grey, width, height) = grey_frame(video, canvas)?;
        decode_qr(&mut self.quirc.borrow_mut(), &grey, width, height)
    }
}

/// `new BarcodeDetector({ formats: ["qr_code"] })`, where the browser has one and
/// `BarcodeDetector.getSupportedFormats()` lists QR codes. Called through `Reflect`: web-sys
/// binds the Shape Detection API only under its unstable APIs.
#[cfg(feature = "hydrate")]
async fn barcode_detector() -> Option<leptos::wasm_bindgen::JsValue> {
    use js_sys::{Array, Function, Object, Promise, Reflect};
    use leptos::wasm_bindgen::JsCast;
    let class: Function = Reflect::get(&leptos::prelude::window(), &"BarcodeDetector".into())
        .ok()?
        .dyn_into()
        .ok()?;
    let supported: Function = Reflect::get(&class, &"getSupportedFormats".into())
        .ok()?
        .dyn_into()
        .ok()?;
    let formats: Promise = supported.call0(&class).ok()?.dyn_into().ok()?;
    let formats: Array = wasm_bindgen_futures::JsFuture::from(formats)
        .await
        .ok()?
        .dyn_into()
        .ok()?;
    if !formats.includes(&"qr_code".into(), 0) {
        return None;
    }
    let options = Object::new();
    Reflect::set(&options, &"formats".into(), &Array::of1(&"qr_code".into())).ok()?;
    Reflect::construct(&class, &Array::of1(&options)).ok()
}

/// `detector.detect(video)`: the first code's `rawValue`, or what it threw.
#[cfg(feature = "hydrate")]
async fn detect(
    detector: &leptos::wasm_bindgen::JsValue,
    video: &leptos::web_sys::HtmlVideoElement,
) -> Result<Option<String>, leptos::wasm_bindgen::JsValue> {
    use js_sys::{Array, Function, Promise, Reflect};
    use leptos::wasm_bindgen::JsCast;
    let detect: Function = Reflect::get(detector, &"detect".into())?.dyn_into()?;
    let found: Promise = detect.call1(detector, video)?.dyn_into()?;
    let found: Array = wasm_bindgen_futures::JsFuture::from(found)
        .await?
        .dyn_into()?;
    Ok(found
        .iter()
        .find_map(|code| Reflect::get(&code, &"rawValue".into()).ok()?.as_string()))
}

/// A DOMException's `name`.
#[cfg(feature = "hydrate")]
fn error_name(error: &leptos::wasm_bindgen::JsValue) -> Option<String> {
    js_sys::Reflect::get(error, &"name".into())
        .ok()?
        .as_string()
}

/// The video's current frame as grey levels (Rec. 601 luma), drawn at most 640 pixels wide.
#[cfg(feature = "hydrate")]
fn grey_frame(
    video: &leptos::web_sys::HtmlVideoElement,
    canvas: &leptos::web_sys::HtmlCanvasElement,
) -> Option<(Vec<u8>, usize, usize)> {
    use leptos::wasm_bindgen::JsCast;
    let (vw, vh) = (video.video_width(), video.video_height());
    if vw == 0 || vh == 0 {
        return None;
    }
    let scale = (640.0 / vw as f64).min(1.0);
    let (w, h) = (((vw as f64) * scale) as u32, ((vh as f64) * scale) as u32);
    // Resizing clears the canvas and drops its backing store: only when the video's size changes.
    if canvas.width() != w || canvas.height() != h {
        canvas.set_width(w);
        canvas.set_height(h);
    }
    // Read back every frame: the browser keeps such a canvas in memory rather than on the GPU.
    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &"willReadFrequently".into(), &true.into()).ok()?;
    let context: leptos::web_sys::CanvasRenderingContext2d = canvas
        .get_context_with_context_options("2d", &options)
        .ok()??
        .dyn_into()
        .ok()?;
    context
        .draw_image_with_html_video_element_and_dw_and_dh(video, 0.0, 0.0, w as f64, h as f64)
        .ok()?;
    let rgba = context
        .get_image_data(0.0, 0.0, w as f64, h as f64)
        .ok()?
        .data();
    let grey = rgba
        .chunks_exact(4)
        .map(|p| ((p[0] as u32 * 299 + p[1] as u32 * 587 + p[2] as u32 * 114) / 1000) as u8)
        .collect();
    Some((grey, w as usize, h as usize))
}

/// The first QR code in a grey image, by `quircs` (a port of quirc).
#[cfg(feature = "hydrate")]
fn decode_qr(
    quirc: &mut quircs::Quirc,
    grey: &[u8],
    width: usize,
    height: usize,
) -> Option<String> {
    if width == 0 || height == 0 || grey.len() != width * height {
        return None;
    }
    quirc
        .identify(width, height, grey)
        .filter_map(Result::ok)
        .find_map(|code| String::from_utf8(code.decode().ok()?.payload).ok())
}
