// Form controls drawn first as what they look like, made live when an official reaches for them.
//
// An Element Plus select or date picker costs a page far more to mount than it shows: its dropdown or
// calendar panel is built at once, hidden (the date picker always keeps it), and a page with four of
// them spends most of its first render on controls nobody has touched. `LaterControl` draws the very
// markup the control shows closed (Element Plus's own classes, so the same look and hover), and mounts
// the real control (its default slot) the moment the pointer comes over it or it takes the focus; a
// click that arrives before then opens the control it became. Nothing the page shows waits for it.
const { nextTick, ref } = Vue;

const ARROW =
  "M831.872 340.864 512 652.672 192.128 340.864a30.59 30.59 0 0 0-42.752 0 29.12 29.12 0 0 0 0 41.6L489.664 714.24a32 32 0 0 0 44.672 0l340.288-331.712a29.12 29.12 0 0 0 0-41.728 30.59 30.59 0 0 0-42.752 0z";
const CALENDAR =
  "M128 384v512h768V192H768v32a32 32 0 1 1-64 0v-32H320v32a32 32 0 0 1-64 0v-32H128v128h768v64zm192-256h384V96a32 32 0 1 1 64 0v32h160a32 32 0 0 1 32 32v768a32 32 0 0 1-32 32H96a32 32 0 0 1-32-32V160a32 32 0 0 1 32-32h160V96a32 32 0 0 1 64 0zm-32 384h64a32 32 0 0 1 0 64h-64a32 32 0 0 1 0-64m0 192h64a32 32 0 1 1 0 64h-64a32 32 0 1 1 0-64m192-192h64a32 32 0 0 1 0 64h-64a32 32 0 0 1 0-64m0 192h64a32 32 0 1 1 0 64h-64a32 32 0 1 1 0-64m192-192h64a32 32 0 1 1 0 64h-64a32 32 0 1 1 0-64m0 192h64a32 32 0 1 1 0 64h-64a32 32 0 1 1 0-64";

/** Where a click lands to open each kind of control once it is live. */
const OPENER = { select: ".el-select__wrapper", date: ".el-input__wrapper", daterange: ".el-range-editor" };

export const LaterControl = {
  props: {
    kind: { type: String, default: "select" }, // select | date | daterange
    text: { type: String, default: "" }, // the value shown (a select's chosen label, a date)
    placeholder: { type: String, default: "" },
    width: { type: String, default: "" },
    small: Boolean,
    filterable: Boolean,
    test: { type: String, default: undefined }, // data-test, the same on the look-alike and the control
    range: { type: Array, default: null }, // a date range shown: [from, to]
    separator: { type: String, default: "至" },
    startPlaceholder: { type: String, default: "" },
    endPlaceholder: { type: String, default: "" },
  },
  setup(props) {
    const live = ref(false);
    const box = ref(null);
    const wake = () => {
      live.value = true;
    };
    // a click (or a key) that reached the look-alike opens the control that replaces it
    const open = async () => {
      wake();
      await nextTick();
      const target = box.value?.querySelector(OPENER[props.kind]);
      if (target) target.click();
      box.value?.querySelector("input")?.focus();
    };
    return { live, box, wake, open, ARROW, CALENDAR };
  },
  template: `
  <span v-if="live" ref="box" class="later-live"><slot /></span>
  <div v-else-if="kind === 'select'" :class="['el-select', small ? 'el-select--small' : '']" :data-test="test"
       :style="width ? { width } : null" @pointerenter="wake" @click="open">
    <div :class="['el-select__wrapper', filterable ? 'is-filterable' : '']" tabindex="-1">
      <div class="el-select__selection">
        <div class="el-select__selected-item el-select__input-wrapper is-hidden">
          <input type="text" :class="['el-select__input', small ? 'is-small' : '']" readonly tabindex="0" @focus="open">
        </div>
        <div :class="['el-select__selected-item', 'el-select__placeholder', text ? '' : 'is-transparent']"><span>{{ text || placeholder }}</span></div>
      </div>
      <div class="el-select__suffix"><i class="el-icon el-select__caret el-select__icon"><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1024 1024"><path fill="currentColor" :d="ARROW"></path></svg></i></div>
    </div>
  </div>
  <div v-else-if="kind === 'daterange'" class="el-date-editor el-date-editor--daterange el-input__wrapper el-range-editor"
       :data-test="test" :style="width ? { width } : null" tabindex="-1" @pointerenter="wake" @click="open">
    <i class="el-icon el-input__icon el-range__icon"><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1024 1024"><path fill="currentColor" :d="CALENDAR"></path></svg></i>
    <input class="el-range-input" readonly tabindex="0" :placeholder="startPlaceholder" :value="range ? range[0] : ''" @focus="open">
    <span class="el-range-separator">{{ separator }}</span>
    <input class="el-range-input" readonly tabindex="0" :placeholder="endPlaceholder" :value="range ? range[1] : ''" @focus="open">
    <i class="el-icon el-input__icon el-range__close-icon el-range__close-icon--hidden"></i>
  </div>
  <div v-else class="el-input el-input--prefix el-input--suffix el-date-editor el-date-editor--date" :data-test="test"
       :style="width ? { width } : null" @pointerenter="wake" @click="open">
    <div class="el-input__wrapper" tabindex="-1">
      <span class="el-input__prefix"><span class="el-input__prefix-inner"><i class="el-icon el-input__icon"><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1024 1024"><path fill="currentColor" :d="CALENDAR"></path></svg></i></span></span>
      <input class="el-input__inner" type="text" readonly tabindex="0" :placeholder="placeholder" :value="text" @focus="open">
      <span class="el-input__suffix"><span class="el-input__suffix-inner"></span></span>
    </div>
  </div>`,
};
