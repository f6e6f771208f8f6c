//! Short import names for the shipped wasm.
//!
//! wasm-bindgen names every import the glue provides `__wbg_<method>_<16 hex digits>` in the module
//! `./<out_name>_bg.js`, and the glue's import object repeats each name as a key. In the error page's
//! wasm that is about 140 names, 5 KB the visitor downloads twice, and the hashes barely compress
//! (2.4 KB of the gzipped wasm, 1.5 KB of the gzipped glue). The names only have to agree between the
//! two files, so after wasm-opt every import of the glue's module is renamed in both: `a`, `b`, …,
//! and the module `./<out_name>_bg.js` becomes `a`. Only imports are renamed; exports keep their names.
//!
//! The glue is checked, not trusted: each old name must appear exactly once as a key (`name:`) and
//! the module exactly once as `"module": import0`; anything else (a wasm-bindgen that lays its glue
//! out differently) fails the build instead of shipping a page that cannot instantiate its wasm.

use std::fs;
use std::path::Path;

use crate::util::{bail, Context as _, Result};

/// Renames the imports of `module` in `wasm` and the matching keys in `js`, in place.
pub fn shorten(wasm_path: &Path, js_path: &Path, module: &str) -> Result<()> {
    let wasm = fs::read(wasm_path).context(format!("reading {}", wasm_path.display()))?;
    let js = fs::read_to_string(js_path).context(format!("reading {}", js_path.display()))?;
    let (wasm, renamed) = rename_imports(&wasm, module)?;
    let js = rename_in_glue(&js, module, &renamed)?;
    fs::write(wasm_path, wasm).context(format!("writing {}", wasm_path.display()))?;
    fs::write(js_path, js).context(format!("writing {}", js_path.display()))
}

/// The short name of the `n`th import: `a` … `Z`, then `ba`, `bb`, … (valid JS property names,
/// never `__proto__`).
fn short_name(mut n: usize) -> String {
    const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut name = vec![LETTERS[n % LETTERS.len()]];
    n /= LETTERS.len();
    while n > 0 {
        name.insert(0, LETTERS[n % LETTERS.len()]);
        n /= LETTERS.len();
    }
    String::from_utf8(name).expect("ASCII letters")
}

/// The module's name in the renamed wasm.
const SHORT_MODULE: &str = "a";

/// `(old, new)` for every renamed import, in import order.
type Renamed = Vec<(String, String)>;

/// Rewrites the import section; returns the new module and what was renamed.
fn rename_imports(wasm: &[u8], module: &str) -> Result<(Vec<u8>, Renamed)> {
    if wasm.get(..8) != Some(b"\0asm\x01\0\0\0") {
        bail!("not a wasm module (version 1)");
    }
    let mut out = wasm[..8].to_vec();
    let mut renamed = Vec::new();
    let mut pos = 8;
    while pos < wasm.len() {
        let id = wasm[pos];
        pos += 1;
        let size = leb(wasm, &mut pos)? as usize;
        let body = wasm
            .get(pos..pos + size)
            .ok_or("a section runs past the end of the wasm")?;
        pos += size;
        let body = if id == 2 {
            import_section(body, module, &mut renamed)?
        } else {
            body.to_vec()
        };
        out.push(id);
        push_leb(&mut out, body.len() as u64);
        out.extend_from_slice(&body);
    }
    Ok((out, renamed))
}

fn import_section(body: &[u8], module: &str, renamed: &mut Renamed) -> Result<Vec<u8>> {
    let mut pos = 0;
    let count = leb(body, &mut pos)?;
    let mut out = Vec::with_capacity(body.len());
    push_leb(&mut out, count);
    for _ in 0..count {
        let import_module = name(body, &mut pos)?;
        let field = name(body, &mut pos)?;
        let description = pos;
        skip_import_description(body, &mut pos)?;
        let (new_module, new_field) = if import_module == module {
            let short = short_name(renamed.len());
            renamed.push((field.to_owned(), short.clone()));
            (SHORT_MODULE, short)
        } else {
            (import_module, field.to_owned())
        };
        push_name(&mut out, new_module);
        push_name(&mut out, &new_field);
        out.extend_from_slice(&body[description..pos]);
    }
    if pos != body.len() {
        bail!("the import section has trailing bytes");
    }
    Ok(out)
}

fn skip_import_description(body: &[u8], pos: &mut usize) -> Result<()> {
    let kind = byte(body, pos)?;
    match kind {
        // function: type index
        0 => {
            leb(body, pos)?;
        }
        // table: reference type, limits
        1 => {
            byte(body, pos)?;
            skip_limits(body, pos)?;
        }
        // memory: limits
        2 => skip_limits(body, pos)?,
        // global: value type, mutability
        3 => {
            byte(body, pos)?;
            byte(body, pos)?;
        }
        // tag: attribute, type index
        4 => {
            byte(body, pos)?;
            leb(body, pos)?;
        }
        other => bail!("unknown import kind {other}"),
    }
    Ok(())
}

fn skip_limits(body: &[u8], pos: &mut usize) -> Result<()> {
    let flags = byte(body, pos)?;
    leb(body, pos)?;
    if flags & 1 != 0 {
        leb(body, pos)?;
    }
    Ok(())
}

/// The glue with each import key and the module key renamed; fails unless each is found exactly once.
fn rename_in_glue(js: &str, module: &str, renamed: &[(String, String)]) -> Result<String> {
    let mut js = js.to_owned();
    let module_key = format!("\"{module}\": import0");
    if js.matches(&module_key).count() != 1 {
        bail!("the glue does not hand over its imports as `{module_key}` exactly once");
    }
    js = js.replace(&module_key, &format!("\"{SHORT_MODULE}\": import0"));
    for (old, new) in renamed {
        // As a key of the import object: indented, at the start of its line.
        let key = format!("\n        {old}:");
        if js.matches(&key).count() != 1 {
            bail!("the glue does not define the import `{old}` exactly once as a key");
        }
        js = js.replace(&key, &format!("\n        {new}:"));
    }
    Ok(js)
}

fn byte(bytes: &[u8], pos: &mut usize) -> Result<u8> {
    let b = *bytes.get(*pos).ok_or("unexpected end of the wasm")?;
    *pos += 1;
    Ok(b)
}

fn leb(bytes: &[u8], pos: &mut usize) -> Result<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let b = byte(bytes, pos)?;
        value |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Ok(value);
        }
    }
    bail!("LEB128 number too long")
}

fn name<'a>(bytes: &'a [u8], pos: &mut usize) -> Result<&'a str> {
    let len = leb(bytes, pos)? as usize;
    let raw = bytes
        .get(*pos..*pos + len)
        .ok_or("a name runs past the end of the wasm")?;
    *pos += len;
    std::str::from_utf8(raw).map_err(|_| "an import name is not UTF-8".into())
}

/// Appends `n` as unsigned LEB128, the wasm binary format's integer encoding.
pub fn push_leb(out: &mut Vec<u8>, mut n: u64) {
    loop {
        let b = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

fn push_name(out: &mut Vec<u8>, name: &str) {
    push_leb(out, name.len() as u64);
    out.extend_from_slice(name.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    const MODULE: &str = "./x_bg.js";

    /// A module importing two functions from the glue, one from elsewhere, and a memory.
    fn module() -> Vec<u8> {
        let mut imports = Vec::new();
        push_leb(&mut imports, 4);
        for (module, field) in [
            (MODULE, "__wbg_log_0123456789abcdef"),
            ("env", "keep"),
            (MODULE, "__wbindgen_init_externref_table"),
        ] {
            push_name(&mut imports, module);
            push_name(&mut imports, field);
            imports.extend([0, 0]); // function of type 0
        }
        push_name(&mut imports, "env");
        push_name(&mut imports, "memory");
        imports.extend([2, 1, 1, 2]); // memory, min 1, max 2
        let mut m = b"\0asm\x01\0\0\0".to_vec();
        m.push(2);
        push_leb(&mut m, imports.len() as u64);
        m.extend(&imports);
        m.extend([0, 3, 1, b'z', 7]); // a custom section "z", kept as it is
        m
    }

    fn imports_of(wasm: &[u8]) -> Renamed {
        let mut pos = 8;
        assert_eq!(wasm[pos], 2);
        pos += 1;
        leb(wasm, &mut pos).unwrap();
        let count = leb(wasm, &mut pos).unwrap();
        (0..count)
            .map(|_| {
                let m = name(wasm, &mut pos).unwrap().to_owned();
                let f = name(wasm, &mut pos).unwrap().to_owned();
                skip_import_description(wasm, &mut pos).unwrap();
                (m, f)
            })
            .collect()
    }

    #[test]
    fn renames_the_glue_imports_in_both_files() {
        let (wasm, renamed) = rename_imports(&module(), MODULE).unwrap();
        let pairs = |list: &[(&str, &str)]| -> Renamed {
            list.iter()
                .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
                .collect()
        };
        assert_eq!(
            imports_of(&wasm),
            pairs(&[("a", "a"), ("env", "keep"), ("a", "b"), ("env", "memory")])
        );
        assert!(wasm.ends_with(&[0, 3, 1, b'z', 7]));
        assert_eq!(
            renamed,
            pairs(&[
                ("__wbg_log_0123456789abcdef", "a"),
                ("__wbindgen_init_externref_table", "b")
            ])
        );

        let glue = "function __wbg_get_imports() {\n    const import0 = {\n        __proto__: null,\n        __wbg_log_0123456789abcdef: function(arg0) {\n        },\n        __wbindgen_init_externref_table: function() {\n        },\n    };\n    return {\n        __proto__: null,\n        \"./x_bg.js\": import0,\n    };\n}\n";
        let js = rename_in_glue(glue, MODULE, &renamed).unwrap();
        assert!(js.contains("\n        a: function(arg0)"));
        assert!(js.contains("\n        b: function()"));
        assert!(js.contains("\"a\": import0"));
        assert!(!js.contains("__wbg_log") && !js.contains("x_bg"));
        // A glue laid out differently is refused.
        assert!(rename_in_glue(
            &glue.replace("        __wbg_log", "__wbg_log"),
            MODULE,
            &renamed
        )
        .is_err());
        assert!(rename_in_glue(&glue.replace("import0,", "imports,"), MODULE, &renamed).is_err());
    }

    #[test]
    fn short_names_stay_letters() {
        assert_eq!(short_name(0), "a");
        assert_eq!(short_name(51), "Z");
        assert_eq!(short_name(52), "ba");
        assert_eq!(short_name(52 * 52 + 1), "bab");
    }
}
