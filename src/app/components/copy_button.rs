//! A Copy button for a link or code the user passes on by hand.

use leptos::prelude::*;

const BUTTON: &str = "rounded-lg bg-white px-3 py-1.5 text-sm font-medium text-slate-700 ring-1 ring-inset ring-slate-300 hover:bg-slate-50 disabled:opacity-60";

/// Copies `text` to the clipboard; the link stays selectable for browsers that refuse.
#[component]
pub fn CopyButton(text: String) -> impl IntoView {
    let copied = RwSignal::new(false);
    view! {
        <button type="button" class=BUTTON on:click=move |_| copied.set(copy_to_clipboard(&text))>
            {move || if copied.get() { "Copied" } else { "Copy" }}
        </button>
    }
}

/// `navigator.clipboard.writeText(text)`, reached through JS reflection: web-sys's Clipboard
/// binding is behind a feature nothing else needs. `false` when the browser has no clipboard.
fn copy_to_clipboard(text: &str) -> bool {
    use leptos::wasm_bindgen::{JsCast, JsValue};
    use leptos::web_sys::js_sys::{Function, Reflect};
    let get = |target: &JsValue, key: &str| Reflect::get(target, &JsValue::from_str(key)).ok();
    let window: JsValue = window().into();
    let Some(clipboard) = get(&window, "navigator").and_then(|n| get(&n, "clipboard")) else {
        return false;
    };
    get(&clipboard, "writeText")
        .and_then(|f| f.dyn_into::<Function>().ok())
        .is_some_and(|write| write.call1(&clipboard, &JsValue::from_str(text)).is_ok())
}
