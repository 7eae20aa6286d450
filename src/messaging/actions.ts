// The registry of send actions: one entry per send endpoint. The HTTP routes, the scheduler and the
// bulk queue all go through these names, with these validators (see types.ts).
import type { SendAction } from './types.js'
import * as v from './validators.js'

const ARRAY_NOTE = '; `number` may be an array → a bulk batch ({batchId, total})'

export const SEND_ACTIONS: SendAction[] = [
  { name: 'sendText', path: '/whatsapp/send-text', summary: 'Send a text (with optional mentions and quoted reply)' + ARRAY_NOTE, validators: v.textRules() },
  { name: 'sendMedia', path: '/whatsapp/send-media', summary: 'Send an image, video, audio or document from a URL, base64 or a multipart `file`' + ARRAY_NOTE, validators: v.mediaRules() },
  { name: 'sendButtonMessage', path: '/whatsapp/send-button-message', summary: 'Send reply buttons; `style` native (default), legacy or text' + ARRAY_NOTE, validators: v.buttonMessageRules() },
  { name: 'sendTemplateMessage', path: '/whatsapp/send-template-message', summary: 'Send URL / call / quick-reply / copy buttons; `style` native (default), legacy or text' + ARRAY_NOTE, validators: v.templateMessageRules() },
  { name: 'sendListMessage', path: '/whatsapp/send-list-message', summary: 'Send a list menu of sections and rows; `style` native (default), legacy or text' + ARRAY_NOTE, validators: v.listMessageRules() },
  { name: 'sendReaction', path: '/whatsapp/send-reaction', summary: 'React to a message with an emoji ("" removes the reaction)' + ARRAY_NOTE, validators: v.reactionRules() },
  { name: 'sendLocation', path: '/whatsapp/send-location', summary: 'Send a location pin' + ARRAY_NOTE, validators: v.locationRules() },
  { name: 'sendContact', path: '/whatsapp/send-contact', summary: 'Send one or more contact cards (vCard)' + ARRAY_NOTE, validators: v.contactRules() },
  { name: 'sendPoll', path: '/whatsapp/send-poll', summary: 'Send a poll' + ARRAY_NOTE, validators: v.pollRules() },
  { name: 'sendSticker', path: '/whatsapp/send-sticker', summary: 'Send a WebP sticker from a URL, base64 or a multipart `file`' + ARRAY_NOTE, validators: v.stickerRules() },
  { name: 'editMessage', path: '/whatsapp/edit-message', summary: 'Edit the text of a message you sent', validators: v.editRules() },
  { name: 'deleteForEveryone', path: '/whatsapp/delete-for-every-one', summary: 'Delete a message for everyone', validators: v.deleteRules() },
]
